"""Write a table as Parquet shards sized for streaming, deterministically, in bounded memory."""

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io import PARQUET
from pipeline.release.layout import shard
from schemas.derive import validate


@dataclass(frozen=True)
class Shards:
    """What was written of one config: the shards' relative paths, rows and bytes (in
    memory, uncompressed)."""

    names: list[str]
    rows: int
    nbytes: int


def batches(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """The rows of `tables`, in order, regrouped `rows` at a time (the last one fewer)."""
    pending, count = [], 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= rows:
            joined = pa.concat_tables(pending)
            yield joined.slice(0, rows).combine_chunks()
            pending, count = [joined.slice(rows)], count - rows
    if count:
        yield pa.concat_tables(pending).combine_chunks()


def write_shards(
    tables: Iterable[pa.Table],
    model,
    schema: pa.Schema,
    folder: Path,
    config: str,
    max_bytes: int,
    rows: int,
) -> Shards:
    """Validate the rows of `tables` against `model` and write them as `schema` under
    folder/data/<config>/, in row groups of `rows` rows.

    A row group goes to a new shard when it would take the current one past `max_bytes` of
    data. An empty table is one shard with no row group (a zero-row row group breaks
    readers).
    """
    (folder / shard(config, 0, 1)).parent.mkdir(parents=True, exist_ok=True)
    paths, writer, size, total, nbytes = [], None, 0, 0, 0
    try:
        for batch in batches(tables, rows):
            validate(model, batch)
            batch = batch.cast(schema)
            if writer is None or size + batch.nbytes > max_bytes:
                if writer is not None:
                    writer.close()
                writer, size = _new_shard(paths, folder / "data" / config, schema), 0
            writer.write_table(batch, row_group_size=rows)
            size += batch.nbytes
            nbytes += batch.nbytes
            total += batch.num_rows
        if writer is None:
            writer = _new_shard(paths, folder / "data" / config, schema)
    finally:
        if writer is not None:
            writer.close()
    names = [shard(config, index, len(paths)) for index in range(len(paths))]
    for path, name in zip(paths, names, strict=True):
        os.replace(path, folder / name)
    return Shards(names, total, nbytes)


def _new_shard(paths: list[Path], folder: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """A writer for the next shard, under a temporary name added to `paths`."""
    paths.append(folder / f".{len(paths)}.parquet")
    return pq.ParquetWriter(paths[-1], schema, **PARQUET)
