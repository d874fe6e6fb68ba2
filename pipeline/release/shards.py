"""Write a table as Parquet shards sized for streaming, deterministically."""

import math
from pathlib import Path

import pyarrow as pa

from pipeline.io import write_parquet
from pipeline.release.layout import shard


def write_shards(
    table: pa.Table, folder: Path, config: str, max_bytes: int, row_group_rows: int
) -> list[str]:
    """Write `table` under folder/data/<config>/; return the shards' relative paths.

    As many shards as it takes to keep each under `max_bytes` of data, rows split evenly.
    An empty table is one shard with no row group (a zero-row row group breaks readers).
    """
    count = max(1, math.ceil(table.nbytes / max_bytes))
    rows = math.ceil(table.num_rows / count) if table.num_rows else 0
    names = []
    for index in range(count):
        name = shard(config, index, count)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_parquet(table.slice(index * rows, rows), folder / name, row_group_rows)
        names.append(name)
    return names
