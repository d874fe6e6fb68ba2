"""params.yaml checks: a bad knob is named, with what was expected."""

import re

import pytest
import yaml

from pipeline.config import ConfigError, Params
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "placeholders, message",
    [
        (None, "parse.placeholders: expected a list of regexes"),
        ("N/A", "parse.placeholders: expected a list of regexes"),
        (["n/a", "(tbd"], "parse.placeholders: bad pattern '(tbd'"),
    ],
)
def test_bad_placeholders_are_named(tmp_path, placeholders, message):
    values = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    values["parse"]["placeholders"] = placeholders
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"params.yaml: {message}")):
        Params(path).parse()
