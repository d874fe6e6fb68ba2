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
    linked = pq.read_table(links)
    taken = FROM_LINKS[config]
    own = [n for n in schema.names if n not in taken]
    start = 0
    for path in parts.paths(normalized, parts.OCCURRENCES):
        table = pq.read_table(path, columns=own)
        link = linked.slice(start, table.num_rows)
        start += table.num_rows
        if config == "default":
            keep = link.column("is_canonical")
            table, link = table.filter(keep), link.filter(keep)
        yield pa.Table.from_pydict(
            {n: link.column(taken[n]) if n in taken else table.column(n) for n in schema.names},
            schema=schema,
        )
    if start != linked.num_rows:
        raise ValueError(f"{links}: {linked.num_rows} links for {start} normalized occurrences")
