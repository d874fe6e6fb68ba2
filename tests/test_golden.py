"""The golden table: the text rules still make, of every real abstract and every Unicode
edge case, exactly the text, key, id and features committed (`python -m tests.golden`
rewrites them when a rule changes on purpose)."""

import json

import pyarrow.parquet as pq
import pytest

from tests import golden


def test_the_unicode_edge_cases_keep_their_text_key_and_id():
    committed = json.loads(golden.UNICODE.read_text(encoding="utf-8"))
    assert golden.unicode_rows() == committed


@pytest.mark.slow
def test_every_real_abstract_keeps_its_text_key_id_and_features():
    if not all((golden.CORPORA / name).is_dir() for name in golden.NAMES):
        pytest.skip(f"the corpora are not in {golden.CORPORA}")
    committed, now = pq.read_table(golden.TABLE), golden.table()
    assert now.select(["source", "byte_start"]) == committed.select(["source", "byte_start"])
    moved = {
        column: [
            f"{source}@{start}"
            for source, start, a, b in zip(
                now["source"].to_pylist(),
                now["byte_start"].to_pylist(),
                now[column].to_pylist(),
                committed[column].to_pylist(),
                strict=True,
            )
            if a != b
        ]
        for column in golden.COLUMNS
    }
    assert {column: places[:5] for column, places in moved.items() if places} == {}
