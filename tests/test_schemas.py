"""The models' own dataframe checks: registered, serialized, checked; and cheap to import."""

import json
import re
import subprocess
import sys

import pyarrow as pa
import pytest
import yaml

from bench.workspace import ROOT
from schemas import Rejects
from schemas.derive import TableError, arrow_schema, export, validate


def rejects(*rows):
    base = {"source": "a.txt", "line_start": 1, "line_end": 1, "reason": "field"}
    return pa.Table.from_pylist(
        [base | {"text": "x", "encoding": "utf-8"} | row for row in rows],
        schema=arrow_schema(Rejects),
    )


def test_the_registered_checks_serialize_with_their_statistics():
    checks = json.loads(export(Rejects))["checks"]
    assert checks == [
        {"options": {"check_name": "span_ordered"}},
        {
            "column": "text",
            "key": "reason",
            "values": ["not_text", "bad_compression"],
            "options": {
                "check_name": "null_exactly_where",
                "error": "null_exactly_where(column=text, key=reason, "
                "values=['not_text', 'bad_compression'])",
            },
        },
    ]


def test_the_registered_checks_find_the_rows_that_break_them():
    validate(Rejects, rejects({"byte_start": 0, "byte_end": 4}))
    bad = rejects(
        {"byte_start": 3, "byte_end": 2},  # a span that ends before it starts
        {"byte_start": 5, "byte_end": 9, "reason": "not_text"},  # text where there is none
        {"byte_start": 10, "byte_end": 12, "text": None, "encoding": None},  # and the reverse
    )
    with pytest.raises(TableError) as error:
        validate(Rejects, bad)
    lines = str(error.value).splitlines()
    assert lines[0] == "rejects: 3 failed checks"
    assert sum(line.endswith(": span_ordered") for line in lines) == 1
    assert sum("null_exactly_where(column=text" in line for line in lines) == 2


def test_no_stage_imports_hypothesis_or_datasets_to_start():
    # hypothesis (pandera's data synthesis, for the tests) and datasets (the card) are slow
    # to import: a stage loads them when it validates or writes a card, never to start.
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    imports = "; ".join(f"import pipeline.stages.{stage}" for stage in stages)
    found = "print(sorted({m.split('.')[0] for m in sys.modules} & {'hypothesis', 'datasets'}))"
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; {imports}; {found}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "row, check",
    [
        ({"source": None}, "not_nullable on source = None"),  # counted in Arrow
        ({"line_start": 0}, "greater_than_or_equal_to(1) on line_start = 0"),
        ({"source": "/a.txt"}, "str_matches('^[^/].*$') on source = '/a.txt'"),
        ({"reason": "other"}, "isin("),
    ],
)
def test_every_value_of_every_row_is_checked(row, check):
    """Pandera runs at data depth, the Arrow schema having checked the types: no value
    check is lost with the dtype checks."""
    good = {"byte_start": 0, "byte_end": 4}
    bad = rejects(good, {"byte_start": 5, "byte_end": 9} | row)
    with pytest.raises(TableError, match=re.escape(check)) as error:
        validate(Rejects, bad)
    assert "failed checks" in str(error.value).splitlines()[0]


def test_a_table_without_rows_is_checked_for_its_schema_only():
    validate(Rejects, rejects().slice(0, 0))
    with pytest.raises(TableError, match="rejects: schema"):
        validate(Rejects, rejects().slice(0, 0).drop_columns(["text"]))
