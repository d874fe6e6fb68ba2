"""Write a table as Parquet shards sized for streaming, deterministically, in bounded memory."""

import math
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


def write_shards(
    path: Path, model, schema: pa.Schema, folder: Path, config: str, max_bytes: int, rows: int
) -> Shards:
    """Validate the Parquet table at `path` against `model` and write it as `schema` under
    folder/data/<config>/, `rows` rows at a time, in row groups of `rows` rows.

    As many shards as it takes to keep each under `max_bytes` of data, rows split evenly.
    An empty table is one shard with no row group (a zero-row row group breaks readers).
    """
    source = pq.ParquetFile(path)
    total = source.metadata.num_rows
    size = sum(source.metadata.row_group(i).total_byte_size for i in range(source.num_row_groups))
    count = max(1, math.ceil(size / max_bytes))
    per_shard = math.ceil(total / count) if total else 0
    names = [shard(config, index, count) for index in range(count)]
    (folder / names[0]).parent.mkdir(parents=True, exist_ok=True)
    writers = [pq.ParquetWriter(folder / name, schema, **PARQUET) for name in names]
    written = nbytes = 0
    try:
        for batch in source.iter_batches(batch_size=rows):
            table = pa.Table.from_batches([batch])
            validate(model, table)
            table = table.cast(schema)
            nbytes += table.nbytes
            while table.num_rows:
                index = written // per_shard
                piece = table.slice(0, per_shard * (index + 1) - written)
                writers[index].write_table(piece, row_group_size=rows)
                written += piece.num_rows
                table = table.slice(piece.num_rows)
    finally:
        for writer in writers:
            writer.close()
    return Shards(names, total, nbytes)
