"""Publish reads dedup's links a batch at a time, cut to the normalized parts' sizes."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.release.assemble import _cut


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=8), st.integers(1, 5))
def test_links_are_cut_to_the_parts_sizes(tmp_path_factory, sizes, batch_rows):
    path = tmp_path_factory.mktemp("links") / "links.parquet"
    pq.write_table(pa.table({"row": range(sum(sizes))}), path, row_group_size=3)
    cut = list(_cut(path, sizes, batch_rows))
    assert [t.num_rows for t in cut] == sizes
    assert [r for t in cut for r in t.column("row").to_pylist()] == list(range(sum(sizes)))


def test_links_not_matching_the_parts_are_refused(tmp_path):
    path = tmp_path / "links.parquet"
    pq.write_table(pa.table({"row": range(5)}), path)
    with pytest.raises(ValueError, match="links.parquet: 5 links for 6 normalized occurrences"):
        list(_cut(path, [3, 3]))
