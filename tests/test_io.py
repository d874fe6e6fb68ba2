"""Parquet written in pieces: the same bytes however the rows came."""

from itertools import pairwise

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import RowGroupWriter, write_parquet

SCHEMA = pa.schema([("text", pa.string()), ("n", pa.int64())])


TEXTS = pa.table({"text": [f"text {i} " * (i % 300) for i in range(3000)], "n": range(3000)})


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 3000), max_size=8), st.sampled_from([1, 7, 1000, 2500, 5000]))
def test_rows_written_in_pieces_give_the_bytes_of_one_write(tmp_path_factory, cuts, group):
    """Row groups of several data pages (of 1 MiB) too, whose bounds fall inside pieces."""
    folder = tmp_path_factory.mktemp("io")
    table = TEXTS.cast(SCHEMA)
    write_parquet(table, folder / "one.parquet", group)
    bounds = [0, *sorted(cuts), table.num_rows]
    with RowGroupWriter(folder / "pieces.parquet", SCHEMA, group) as writer:
        for start, end in pairwise(bounds):
            writer.write(pa.Table.from_pylist(table.slice(start, end - start).to_pylist(), SCHEMA))
    assert (folder / "pieces.parquet").read_bytes() == (folder / "one.parquet").read_bytes()
