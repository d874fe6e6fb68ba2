"""The normalize stage: small raw files normalized and validated a group at a time make the
same parts as one at a time; a large one is streamed alone."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import parts
from pipeline.stages import normalize, parse
from tests.conftest import SEEDS


def rows(folder):
    return pa.concat_tables(map(pq.read_table, parts.paths(folder, parts.OCCURRENCES)))


@pytest.mark.parametrize("batch_rows", [3, 12, 1000])
def test_groups_of_parts_make_the_same_rows(tmp_path, params, batch_rows):
    parse.run(SEEDS, tmp_path / "parse", tmp_path / "parse.json", *params.parse(), 1)
    alone = tmp_path / "alone"
    normalize.run(tmp_path / "parse", alone, params.dedup(), 1, 2)  # every part alone
    grouped = tmp_path / f"grouped-{batch_rows}"
    summary = normalize.run(tmp_path / "parse", grouped, params.dedup(), batch_rows, 2)
    assert summary == {"occurrences": 26, "files": 3, "normalized": 3}
    assert rows(grouped) == rows(alone)
    again = normalize.run(tmp_path / "parse", grouped, params.dedup(), batch_rows, 2)
    assert again["normalized"] == 0 and rows(grouped) == rows(alone)


@given(st.lists(st.integers(0, 30), max_size=30), st.integers(1, 40))
def test_groups_keep_the_order_and_hold_at_most_a_batch_unless_alone(counts, batch_rows):
    groups = normalize.grouped(counts, batch_rows)
    assert [i for group in groups for i in group] == list(range(len(counts)))
    for group in groups:
        assert len(group) == 1 or sum(counts[i] for i in group) <= batch_rows
