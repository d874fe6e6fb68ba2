"""A Parquet file assembled from other files' row groups and columns is the file pyarrow
writes of the whole table, byte for byte."""

import struct

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import PARQUET
from pipeline.release.splice import MAGIC, Parquet, RowGroup, SpliceError, _put_struct, assemble

TYPES = {
    "string": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "list": pa.list_(pa.string()),
}
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
VALUES = {
    "string": TEXT,
    "int": st.integers(-(2**63), 2**63 - 1),
    "bool": st.booleans(),
    "list": st.lists(TEXT, max_size=3),
}


def _write(tables: list[pa.Table], **options) -> bytes:
    """The Parquet file of `tables`, one row group each."""
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, tables[0].schema, **PARQUET, **options) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=table.num_rows)
    return sink.getvalue().to_pybytes()


@st.composite
def tables(draw) -> tuple[pa.Table, pa.Table, list[int], int]:
    """A table, the same with some columns' values replaced, those columns, and a row
    group size."""
    kinds = draw(st.lists(st.sampled_from(sorted(TYPES)), min_size=1, max_size=6))
    nullable = draw(st.lists(st.booleans(), min_size=len(kinds), max_size=len(kinds)))
    n = draw(st.integers(1, 60))  # no zero-row row group: publish writes none
    schema = pa.schema(
        pa.field(f"c{i}", TYPES[kind], nullable=null)
        for i, (kind, null) in enumerate(zip(kinds, nullable, strict=True))
    )

    def column(field: pa.Field, kind: str) -> pa.Array:
        values = VALUES[kind] | st.none() if field.nullable else VALUES[kind]
        return pa.array(draw(st.lists(values, min_size=n, max_size=n)), field.type)

    old = pa.table([column(f, k) for f, k in zip(schema, kinds, strict=True)], schema=schema)
    replaced = sorted(draw(st.sets(st.integers(0, len(kinds) - 1), min_size=1)))
    new = old
    for at in replaced:
        new = new.set_column(at, schema.field(at), column(schema.field(at), kinds[at]))
    return old, new, replaced, draw(st.sampled_from([1, 3, 7, 100]))


def _cut(table: pa.Table, sizes: list[int]) -> list[pa.Table]:
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [table.slice(start, size) for start, size in zip(starts, sizes, strict=True)]


@settings(max_examples=150, deadline=None)
@given(tables(), st.data())
def test_an_assembled_file_is_the_whole_table_written(case, data):
    """Each row group copied from a file holding it among others (in another order), or
    from a file whose rows differ in some columns with those columns from a third, or
    from a file of the row groups no other file holds: pyarrow's file of the whole."""
    other, table, columns, most = case
    sizes = []
    while sum(sizes) < table.num_rows:
        sizes.append(min(data.draw(st.integers(1, most)), table.num_rows - sum(sizes)))
    wanted, unlike = _cut(table, sizes), _cut(other, sizes)
    kinds = data.draw(st.lists(st.sampled_from("ctf"), min_size=len(sizes), max_size=len(sizes)))
    copied = Parquet(_write(wanted[::-1] + unlike))  # the row groups reversed, and others
    alike = Parquet(_write([t for t, k in zip(unlike, kinds, strict=True) if k == "t"] or unlike))
    taken = Parquet(
        _write(
            [t.select(columns) for t, k in zip(wanted, kinds, strict=True) if k == "t"] or wanted
        )
    )
    fresh = Parquet(_write([t for t, k in zip(wanted, kinds, strict=True) if k == "f"] or wanted))
    groups, seen = [], {"t": 0, "f": 0}
    for i, kind in enumerate(kinds):
        if kind == "c":
            groups.append(RowGroup(copied, len(sizes) - 1 - i))
            continue
        if kind == "t":
            groups.append(RowGroup(alike, seen["t"], taken, seen["t"], tuple(columns)))
        else:
            groups.append(RowGroup(fresh, seen["f"]))
        seen[kind] += 1
    assert b"".join(assemble(groups)) == _write(wanted)


@settings(max_examples=50, deadline=None)
@given(tables())
def test_a_footer_decoded_and_encoded_again_is_the_same_bytes(case):
    data = _write(_cut(case[0], [case[0].num_rows]))
    file = Parquet(data)
    encoded = bytearray()
    _put_struct(encoded, file.footer)
    assert bytes(encoded) == data[len(data) - 8 - len(encoded) : -8]


def test_a_file_it_cannot_take_row_groups_from_is_refused():
    table = pa.table({"a": ["x", "y"], "b": [1, 2]})
    with pytest.raises(SpliceError, match="page index"):
        Parquet(_write([table], write_page_index=True))
    with pytest.raises(SpliceError, match="not a Parquet file"):
        Parquet(b"PAR1 not one")
    data = _write([table])
    with pytest.raises(SpliceError, match="longer than the file"):
        Parquet(data[:-8] + struct.pack("<I", len(data)) + MAGIC)
    size = struct.unpack("<I", data[-8:-4])[0]
    with pytest.raises(SpliceError, match="cut short"):
        Parquet(data[:-9] + struct.pack("<I", size - 1) + MAGIC)
    whole, half = Parquet(_write([table])), Parquet(_write([table.slice(0, 1).select([1])]))
    with pytest.raises(SpliceError, match="rows"):
        assemble([RowGroup(whole, 0, half, 0, (1,))])


def test_chunks_back_to_back_in_their_file_are_one_piece():
    """A file's row groups in their order are one piece of its bytes; a column taken from
    another file splits the run there, and the chunks after it are one piece again."""
    table = pa.table({"a": ["x", "y", "z", "w"], "b": [1, 2, 3, 4], "c": [True, False, True, True]})
    file = Parquet(_write(_cut(table, [2, 2])))
    pieces = assemble([RowGroup(file, 0), RowGroup(file, 1)])
    assert len(pieces) == 5 and b"".join(pieces) == _write(_cut(table, [2, 2]))
    other = table.set_column(1, "b", pa.array([5, 6, 7, 8]))
    taken = Parquet(_write(_cut(other.select(["b"]), [2, 2])))
    pieces = assemble([RowGroup(file, 0, taken, 0, (1,)), RowGroup(file, 1)])
    assert b"".join(pieces) == _write([other.slice(0, 2), table.slice(2, 2)])
    assert len(pieces) == 7  # the magic, a; b taken; c and the next row group; the footer
