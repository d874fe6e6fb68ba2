"""The published tables, made by joining dedup's links to the normalized parts."""

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import parts
from pipeline.release.layout import CONFIGS
from schemas.abstracts import Grouped
from schemas.derive import arrow_schema
from schemas.occurrences import Linked

# The columns each config takes from dedup's links (by their name there); the others come
# from the normalized parts.
FROM_LINKS = {
    "default": {"id": "abstract_id", **{n: n for n in arrow_schema(Grouped).names}},
    "occurrences": {n: n for n in arrow_schema(Linked).names},
}


def tables(config: str, normalized: Path, links: Path) -> Iterator[pa.Table]:
    """The `default` (one row per abstract, its canonical copy) or `occurrences` config,
    part by part, in part order: the normalized columns with the linked ones."""
    schema = arrow_schema(CONFIGS[config])
    taken = FROM_LINKS[config]
    own = [n for n in schema.names if n not in taken]
    files = parts.paths(normalized, parts.OCCURRENCES)
    sizes = [pq.ParquetFile(path).metadata.num_rows for path in files]
    for path, link in zip(files, _cut(links, sizes), strict=True):
        table = pq.read_table(path, columns=own)
        if config == "default":
            keep = link.column("is_canonical")
            table, link = table.filter(keep), link.filter(keep)
        yield pa.Table.from_pydict(
            {n: link.column(taken[n]) if n in taken else table.column(n) for n in schema.names},
            schema=schema,
        )


def _cut(path: Path, sizes: list[int], batch_rows: int = 65_536) -> Iterator[pa.Table]:
    """The Parquet table at `path` cut into consecutive tables of `sizes` rows, read a batch
    at a time; it must hold exactly that many rows."""
    source = pq.ParquetFile(path)
    if source.metadata.num_rows != sum(sizes):
        raise ValueError(
            f"{path}: {source.metadata.num_rows} links for {sum(sizes)} normalized occurrences"
        )
    batches = source.iter_batches(batch_size=batch_rows)
    pending = source.schema_arrow.empty_table()
    for size in sizes:
        while pending.num_rows < size:
            pending = pa.concat_tables([pending, pa.Table.from_batches([next(batches)])])
        yield pending.slice(0, size)
        pending = pending.slice(size)
