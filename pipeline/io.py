"""Files in and out: outputs that replace the previous ones only when complete, and rows
of Parquet files read back by number."""

import errno
import glob
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.arrays import distinct
from pipeline.parallel import threaded

# How every Parquet file is written: zstd, and no dictionary encoding, which for these
# mostly unique texts costs write time and makes files larger. (The build's own files
# uncompressed saved CPU but no time: docs/benchmarks.md.)
PARQUET = {"compression": "zstd", "use_dictionary": False}


@contextmanager
def atomic_dir(path: Path, retried: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder, this attempt's own, that takes the place of `path`
    only if the block succeeds.

    A stage's own output (one writer, under DVC's lock) replaces the one before, which is
    put back if the replacing fails; a killed attempt's folders are cleared first (an
    output it had moved aside is put back). A `retried` output is a part that another
    attempt at the same task may be writing at once (Ray runs a task again when it counts
    its node lost, which may still be running it): both write the same bytes, so the first
    to end puts its folder in place and the other drops its own; the stage removes what
    lost attempts leave (`parts.finish`, publish)."""
    if not retried:
        _recover(path)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp, old = (path.with_name(f".{path.name}.{kind}-{token}") for kind in ("tmp", "old"))
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if retried:
            _first(tmp, path)
        else:
            _swap(tmp, path, old)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _recover(path: Path) -> None:
    """Put back at `path` the output a killed attempt had moved aside (it died between its
    two renames), then remove what killed attempts left beside it."""
    olds = list(path.parent.glob(f".{glob.escape(path.name)}.old-*"))
    if olds and not path.exists():
        os.replace(olds.pop(), path)
    for left in [*olds, *path.parent.glob(f".{glob.escape(path.name)}.tmp-*")]:
        shutil.rmtree(left, ignore_errors=True)


def _swap(tmp: Path, path: Path, old: Path) -> None:
    """Put the folder `tmp` at `path`: the output there is moved aside to `old`, then
    removed, or put back if `tmp` cannot take its place."""
    moved = path.exists()
    if moved:
        os.replace(path, old)
    try:
        os.replace(tmp, path)
    except BaseException:
        if moved:
            os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _first(tmp: Path, path: Path) -> None:
    """Put the folder `tmp` at `path`, unless another attempt's is there already."""
    try:
        os.rename(tmp, path)
    except OSError as error:
        if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`, this attempt's own, renamed to `path` once the
    block succeeds (removed if it fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8) through a temporary file and a rename."""
    write_bytes(path, text.encode())


def write_json(path: Path, value) -> None:
    """Write `value` as stable, diff-friendly JSON."""
    write_text(path, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_state(path: Path, value: dict) -> None:
    """Keep `value` at `path` for a stage's next run, with its digest: `read_state` trusts
    no state edited or cut short."""
    write_json(path, {"digest": _state_digest(value), "state": value})


def read_state(path: Path) -> dict:
    """What a stage kept at `path` (`write_state`); none if the file is missing, unreadable,
    or not as it was written."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or not isinstance(record.get("state"), dict):
        return {}
    return record["state"] if record.get("digest") == _state_digest(record["state"]) else {}


def _state_digest(value: dict) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def parquet_rows(path: Path) -> int:
    """The rows of the Parquet file at `path`, from its footer."""
    return pq.read_metadata(path).num_rows


def write_parquet(table, path: Path, row_group_rows: int = 100_000) -> None:
    """Write `table` as zstd Parquet; an empty table gets no row group at all (a zero-row
    row group breaks readers such as `datasets` streaming)."""
    with pq.ParquetWriter(path, table.schema, **PARQUET) as writer:
        if table.num_rows:
            writer.write_table(table, row_group_size=row_group_rows)


class RowGroupWriter:
    """A Parquet file written from tables of any sizes in row groups of exactly `rows` rows
    (the last one fewer; none at all for no rows), so that its bytes depend on its rows, not
    on how they came: they are those of `write_parquet` of all the rows at once."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int = 100_000):
        self.writer = pq.ParquetWriter(path, schema, **PARQUET)
        self.rows, self.pending = rows, schema.empty_table()

    def write(self, table: pa.Table) -> None:
        self.pending = pa.concat_tables([self.pending, table])
        while self.pending.num_rows >= self.rows:
            self._group(self.pending.slice(0, self.rows))
            self.pending = self.pending.slice(self.rows)

    def _group(self, table: pa.Table) -> None:
        # Where a column's Arrow chunks meet moves the Parquet pages: one chunk, one layout.
        self.writer.write_table(table.combine_chunks(), row_group_size=self.rows)

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is None and self.pending.num_rows:
            self._group(self.pending)
        self.writer.close()


def take_rows(
    files: list[Path], column: str, rows: np.ndarray, sizes: list[int] | None = None
) -> Iterator[tuple[np.ndarray, pa.Array]]:
    """The values of one column at the given sorted `rows` of the Parquet `files` read as one
    table: for each row group that holds some, those rows and their values. Given each
    file's rows (`sizes`), files that hold none of them are not opened. Files are read in
    threads."""

    def wanted() -> Iterator[tuple[Path, pq.FileMetaData | None, int, np.ndarray]]:
        start = 0
        for at, path in enumerate(files):  # without `sizes`, each footer read once, here
            footer = None if sizes is not None else pq.read_metadata(path)
            end = start + (sizes[at] if footer is None else footer.num_rows)
            here = rows[np.searchsorted(rows, start) : np.searchsorted(rows, end)]
            if len(here):
                yield path, footer, start, here
            start = end

    def taken(task: tuple) -> list[tuple[np.ndarray, pa.Array]]:
        path, footer, start, in_file = task
        source, found = pq.ParquetFile(path, metadata=footer), []
        for group in range(source.num_row_groups):
            end = start + source.metadata.row_group(group).num_rows
            here = in_file[np.searchsorted(in_file, start) : np.searchsorted(in_file, end)]
            if len(here):
                values = source.read_row_group(group, columns=[column]).column(0)
                found.append((here, values.take(here - start).combine_chunks()))
            start = end
        return found

    for found in threaded(taken, wanted()):
        yield from found


def read_rows(files: list[Path], column: str, rows: list[int]) -> dict[int, object]:
    """The values of one column at the given rows of the Parquet `files` read as one table."""
    found = {}
    for here, values in take_rows(files, column, distinct(np.asarray(rows, dtype=np.int64))):
        found |= dict(zip(here.tolist(), values.to_pylist(), strict=True))
    return found
