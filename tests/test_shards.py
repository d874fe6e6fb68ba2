"""Where publish cuts a config into shards, and which shards a new part rewrites."""

import functools

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import parallel
from pipeline.release.layout import CONFIGS, published_schema
from pipeline.release.shards import FILL, Part, ends_shard, write_config
from schemas import Rejects
from schemas.derive import arrow_schema


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
    schema = published_schema("rejects", meta["version"])
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
