"""Where publish cuts a config into shards, and which shards a new part rewrites."""

import functools

import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandera.typing import Series

from pipeline import parallel
from pipeline.release.layout import CONFIGS, published_schema
from pipeline.release.shards import FILL, ROW_FILL, Part, ends_shard, row_groups, write_config
from schemas import Rejects
from schemas.derive import TableError, arrow_schema


def _rejects(source: str, rows: int) -> pa.Table:
    """`rows` rejects of raw file `source`, one byte each."""
    return pa.table(
        {
            "source": [source] * rows,
            "byte_start": list(range(rows)),
            "byte_end": list(range(1, rows + 1)),
            "line_start": [1] * rows,
            "line_end": [1] * rows,
            "reason": ["outside_abstract"] * rows,
            "text": ["x"] * rows,
            "encoding": ["utf-8"] * rows,
        },
        schema=arrow_schema(Rejects),
    )


def _parts(count: int, rows: int) -> list[Part]:
    names = [f"dump{i:03d}.txt" for i in range(count)]
    return [Part(name, name, functools.partial(_rejects, name, rows)) for name in names]


def _files(state: dict) -> dict:
    """Each shard group's files in a config's kept state, less when they were written."""
    return {
        group: [{k: v for k, v in entry.items() if k != "mtime_ns"} for entry in files]
        for group, files in state["groups"].items()
    }


def _write(parts, folder, meta, old=None, state=None):
    schema = published_schema("rejects")
    model = CONFIGS["rejects"]
    return write_config(parts, model, schema, folder, "rejects", meta, old or folder, state or {})


@pytest.mark.parametrize("bounded_by", ["parts", "bytes"])
def test_a_shard_ends_at_a_hashed_part_once_it_holds_enough_parts_or_bytes(
    tmp_path, params, bounded_by
):
    parts = _parts(120, 3)
    one = _rejects("dump000.txt", 3).nbytes
    every = 3
    if bounded_by == "parts":  # bytes never fill a shard: FILL * every parts end it
        meta = params.publish() | {"shard_max_bytes": 1 << 40, "shard_parts": every}
        least = FILL * every
    else:  # 5 parts fill a quarter of a shard, long before FILL * every parts do
        meta = params.publish() | {"shard_max_bytes": 4 * 5 * one, "shard_parts": every}
        least = 5
    written = _write(parts, tmp_path / "out", meta)
    sizes = [
        pq.ParquetFile(tmp_path / "out" / name).metadata.num_rows // 3 for name in written.names
    ]
    assert sum(sizes) == len(parts) and len(sizes) > 2
    first = 0
    for size in sizes[:-1]:
        last = parts[first + size - 1]
        assert least <= size and ends_shard(last.source, every)
        # it ended at the first hashed part once it held enough
        held = [p.source for p in parts[first + least - 1 : first + size - 1]]
        assert not any(ends_shard(source, every) for source in held)
        first += size


def test_a_new_last_part_rewrites_the_last_shard_only(tmp_path, params):
    meta = params.publish() | {"shard_max_bytes": 1 << 40, "shard_parts": 3}
    parts = _parts(120, 3)
    first = _write(parts[:-1], tmp_path / "one", meta)
    second = _write(parts, tmp_path / "two", meta, tmp_path / "one", first.state)
    inodes = [
        {(folder / n).stat().st_ino for n in s.names}
        for folder, s in ((tmp_path / "one", first), (tmp_path / "two", second))
    ]
    assert len(second.names) == len(first.names) > 2
    assert len(inodes[0] & inodes[1]) == len(first.names) - 1  # all but the last linked


def test_shards_written_at_once_are_those_written_one_at_a_time(tmp_path, params, monkeypatch):
    meta = params.publish() | {"shard_max_bytes": 1 << 40, "shard_parts": 3}
    parts = _parts(120, 3)
    at_once = _write(parts, tmp_path / "at-once", meta)
    assert len(at_once.names) > 2 * parallel.THREADS  # more shards than threads
    monkeypatch.setattr(parallel, "THREADS", 1)
    alone = _write(parts, tmp_path / "alone", meta)
    assert at_once.names == alone.names and at_once.sha256 == alone.sha256
    assert _files(at_once.state) == _files(alone.state)
    for name in alone.names:
        assert (tmp_path / "at-once" / name).read_bytes() == (
            tmp_path / "alone" / name
        ).read_bytes()


class Reason(pandera.DataFrameModel):
    """The column of `rejects` the parts below take apart from their other rows."""

    reason: Series[str] = pandera.Field(isin=["outside_abstract", "empty_abstract"])


def _reasons(source: str, rows: int, reason: str) -> pa.Table:
    return pa.table({"reason": [reason] * rows}, schema=arrow_schema(Reason))


def _split_parts(count: int, reasons=None, sizes=None, built=None) -> list[Part]:
    """Parts of 3 rows (`sizes` by part, otherwise) whose `reason` column comes apart
    (`Part.taken`): `reasons` by part, the others `outside_abstract`. Making a part's
    whole rows adds it to built["whole"], its taken column to built["taken"], if `built`
    is given."""

    def table(i: int, name: str, rows: int, reason: str) -> pa.Table:
        if built is not None:
            built.setdefault("whole", set()).add(i)
        made = _rejects(name, rows)
        return made.set_column(5, made.schema.field(5), pa.array([reason] * rows))

    def column(i: int, name: str, rows: int, reason: str) -> pa.Table:
        if built is not None:
            built.setdefault("taken", set()).add(i)
        return _reasons(name, rows, reason)

    parts = []
    for i in range(count):
        name, reason = f"dump{i:03d}.txt", (reasons or {}).get(i, "outside_abstract")
        rows = (sizes or {}).get(i, 3)
        made = functools.partial(table, i, name, rows, reason)
        taken = functools.partial(column, i, name, rows, reason)
        parts.append(Part(f"{name}:{rows}:{reason}", name, made, f"{name}:{rows}", taken))
    return parts


def _write_split(parts, folder, meta, old=None, state=None):
    schema, model = published_schema("rejects"), CONFIGS["rejects"]
    old, state = old or folder, state or {}
    return write_config(parts, model, schema, folder, "rejects", meta, old, state, Reason)


def _same_files(folder, other, written) -> None:
    for name in written.names:
        assert (folder / name).read_bytes() == (other / name).read_bytes()


def _linked(folders, names) -> int:
    """How many of the shards `names` are the same file in both `folders`."""
    one, two = ({(folder / n).stat().st_ino for n in names} for folder in folders)
    return len(one & two)


def test_a_shard_whose_rows_changed_in_taken_columns_only_is_spliced_as_written_whole(
    tmp_path, params
):
    meta = params.publish() | {"shard_max_bytes": 1 << 40, "shard_parts": 3, "row_group_rows": 4}
    first = _write_split(_split_parts(40), tmp_path / "one", meta)
    changed, built = {17: "empty_abstract"}, {}
    second = _write_split(
        _split_parts(40, changed, built=built),
        tmp_path / "two",
        meta,
        tmp_path / "one",
        first.state,
    )
    assert "whole" not in built  # every part's rows were known but for the taken column
    clean = _write_split(_split_parts(40, changed), tmp_path / "clean", meta)
    assert second.names == clean.names and second.sha256 == clean.sha256
    _same_files(tmp_path / "two", tmp_path / "clean", clean)
    assert len(first.names) > 2
    assert _linked((tmp_path / "one", tmp_path / "two"), first.names) == len(first.names) - 1
    # a value the taken model refuses is named, as a whole write would
    with pytest.raises(TableError, match="reason"):
        bad = _split_parts(40, {17: "bad"})
        _write_split(bad, tmp_path / "bad", meta, tmp_path / "one", first.state)


def test_a_part_whose_rows_changed_makes_its_row_groups_only(tmp_path, params):
    meta = params.publish() | {"shard_max_bytes": 1 << 40, "shard_parts": 50}
    meta["row_group_rows"] = 40  # a row group of 2 to 13 parts, most often ended by a hash
    first = _write_split(_split_parts(80), tmp_path / "one", meta)
    built = {}
    second = _write_split(
        _split_parts(80, sizes={17: 5}, built=built),
        tmp_path / "two",
        meta,
        tmp_path / "one",
        first.state,
    )
    clean = _write_split(_split_parts(80, sizes={17: 5}), tmp_path / "clean", meta)
    assert second.sha256 == clean.sha256
    _same_files(tmp_path / "two", tmp_path / "clean", clean)
    sources = [f"dump{i:03d}.txt" for i in range(80)]
    before = row_groups([3] * 80, sources, 40)
    after = row_groups([5 if i == 17 else 3 for i in range(80)], sources, 40)
    # a row group holding part 17 is new; the others are copied, their parts not made
    new = [cut for cut in after if cut not in before or any(i == 17 for i, *_ in cut)]
    assert built.pop("whole") == {i for cut in new for i, *_ in cut} > {17}
    assert not built and len(new) < len(after) // 3  # nor their taken columns


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 30), max_size=40),
    st.integers(1, 12),
)
def test_row_groups_cut_parts_in_order_within_the_most_rows(rows, most):
    sources = [f"dump{i:03d}.txt" for i in range(len(rows))]
    cuts = row_groups(rows, sources, most)
    pieces = [piece for cut in cuts for piece in cut]
    # every row once, in order
    assert [(i, a, b) for i, a, b in pieces if b > a] == pieces
    covered = {}
    for i, a, b in pieces:
        assert covered.get(i, 0) == a
        covered[i] = b
    assert covered == {i: n for i, n in enumerate(rows) if n}
    for cut in cuts:
        assert 0 < sum(b - a for _, a, b in cut) <= most
        # cut at parts: a part is whole in its row group but a big part's first rows
        assert all(a == 0 for _, a, _ in cut[1:])
        assert all(b == rows[i] for i, _, b in cut[:-1])
        # a row group ends after a part once that part alone held an eighth of the most
        assert all(b - a < max(most // ROW_FILL, 1) for _, a, b in cut[:-1])
