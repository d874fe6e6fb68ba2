"""params.yaml checks: a bad knob is named, with what was expected."""

import re

import pytest
import yaml

from pipeline.config import ConfigError, Params
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("placeholders", None, "parse.placeholders: expected a list of regexes"),
        ("placeholders", "N/A", "parse.placeholders: expected a list of regexes"),
        ("placeholders", ["n/a", "(tbd"], "parse.placeholders: bad pattern '(tbd'"),
        ("fields", ["title"], "parse.fields: a mapping of columns (title, authors,"),
        ("fields", {"venue": ["venue"]}, "parse.fields: a mapping of columns (title, authors,"),
        ("fields", {"title": "title"}, "parse.fields.title: expected a list of regexes"),
        ("fields", {"title": ["(title"]}, "parse.fields.title: bad pattern '(title'"),
    ],
)
def test_bad_parse_patterns_are_named(tmp_path, key, value, message):
    values = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    values["parse"][key] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"params.yaml: {message}")):
        Params(path).parse()


def test_field_columns_are_occurrence_columns():
    from schemas import Occurrences
    from schemas.derive import arrow_schema
    from schemas.occurrences import FIELDS

    assert set(FIELDS) <= set(arrow_schema(Occurrences).names)
    assert {column for column, _ in Params(ROOT / "params.yaml").parse()[0].fields} == set(FIELDS)


@pytest.mark.parametrize("value", [None, 0, 1000, 1.5e7, "16 MiB"])
def test_a_bad_chunk_size_is_named(tmp_path, value):
    values = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    values["parse"]["chunk_bytes"] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    message = f"params.yaml: parse.chunk_bytes: expected an int in [1024, {2**40}], got {value!r}"
    with pytest.raises(ConfigError, match=re.escape(message)):
        Params(path).chunk_bytes()
    assert Params(ROOT / "params.yaml").chunk_bytes() == 16 << 20


def _params_with(tmp_path, engine) -> Params:
    """The project's params with `engine:` set to `engine` (removed if None)."""
    values = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    values.pop("engine")
    if engine is not None:
        values["engine"] = engine
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return Params(path)


def test_the_engine_is_local_unless_set(tmp_path):
    from pipeline.engine import Engine

    assert Params(ROOT / "params.yaml").engine() == Engine("local", "auto")
    assert _params_with(tmp_path, None).engine() == Engine("local", "auto")
    params = _params_with(tmp_path, {"name": "ray", "address": "head:6379"})
    assert params.engine() == Engine("ray", "head:6379")
    assert params.engine("local", None) == Engine("local", "head:6379")
    assert params.engine(None, "other:1") == Engine("ray", "other:1")


@pytest.mark.parametrize(
    "engine, message",
    [
        (
            {"name": "dask", "address": "auto"},
            "engine.name: expected one of local, ray, got 'dask'",
        ),
        ({"name": "ray", "address": 6379}, "engine.address: expected a cluster's address"),
        ("ray", "section `engine:` is missing or not a mapping"),
    ],
)
def test_a_bad_engine_is_named(tmp_path, engine, message):
    with pytest.raises(ConfigError, match=re.escape(f"params.yaml: {message}")):
        _params_with(tmp_path, engine).check()
