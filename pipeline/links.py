"""Dedup's links as publish takes them, a part at a time: the columns each config takes,
a digest of what a part's rows of a config are made from, and the links read by range.

Dedup records each part's digests beside its links (`DIGESTS`), computing them for the
parts whose links changed only, so that publish knows which parts changed without
reading every link, and reads the links of the parts it writes only.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.abstracts import Grouped
from schemas.derive import arrow_schema
from schemas.fields import KEY
from schemas.occurrences import Linked

DIGESTS = "links.json"
# The columns each config takes from dedup's links (by their name there); the others come
# from the normalized parts.
FROM_LINKS = {
    "default": {"id": "abstract_id", **{n: n for n in arrow_schema(Grouped).names}},
    "occurrences": {n: n for n in arrow_schema(Linked).names},
}


def part_digest(config: str, part: str, table: pa.Table | None = None) -> str:
    """A digest of what a config's rows of a part are made from: the part's name (itself
    a digest of its content) and the `table` of links it takes (`taken`). Not the code:
    dedup's output depends on its own modules only (DVC's deps), and publish keys each
    shard by the code as well."""
    digest = hashlib.blake2b(f"{config}\0{part}".encode(), digest_size=16)
    if table is not None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as stream:
            stream.write_table(table)
        digest.update(sink.getvalue())
    return digest.hexdigest()


def taken(config: str, link: pa.Table) -> pa.Table:
    """What a config's rows of a part take of its `link` rows: the span key and the
    config's columns, of the canonical rows only for `default`; in fresh buffers, so that
    where the rows stood among the links never shows in its bytes."""
    picked = link.select(list(dict.fromkeys([*KEY, *FROM_LINKS[config].values()])))
    keep = link.column("is_canonical") if config == "default" else np.ones(len(link), bool)
    return picked.take(np.flatnonzero(keep))


def digests(part: str, link: pa.Table) -> dict[str, str]:
    """The digest of each config's rows of the `part` whose links are `link`."""
    return {config: part_digest(config, part, taken(config, link)) for config in FROM_LINKS}


def read_digests(folder: Path) -> list[dict]:
    """The parts that dedup's output `folder` records, in order: each one's `part`, `rows`
    and digest of each config (none if unreadable)."""
    try:
        recorded = json.loads((folder / DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return recorded if isinstance(recorded, list) else []


class LinkRows:
    """The rows of a links file by range, read a row group at a time and kept until a range
    needs others: ranges asked for in order read each row group once."""

    def __init__(self, path: Path):
        self.file = pq.ParquetFile(path)
        meta = self.file.metadata
        self.rows = meta.num_rows
        sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
        self.starts = np.cumsum([0, *sizes])  # each row group's first row, and the end
        self.held = (0, 0, self.file.schema_arrow.empty_table())  # row groups first..after

    def __call__(self, start: int, stop: int) -> pa.Table:
        """Rows `start` to `stop` (excluded), in fresh buffers: where a row group starts
        never shows in their size, which cuts the shards."""
        first, after, table = self.held
        if start < self.starts[first] or stop > self.starts[after]:
            first = int(np.searchsorted(self.starts, start, side="right")) - 1
            after = int(np.searchsorted(self.starts, stop, side="left"))
            table = self.file.read_row_groups(range(first, after))
            self.held = (first, after, table)
        return table.take(np.arange(start, stop) - int(self.starts[first]))
