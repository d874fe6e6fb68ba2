"""The report's searchable table: the release's first abstracts as JSON, a shard's rows at
a time, each taken from the last page where its shard is the same.

Reading those texts and encoding them is most of the report's cost, and it does not shrink
with the release (`report.table_rows`, 50,000 by default). So the report keeps, in its
state (`report --kept`, build/report.json), the table's pieces: for each shard it reads,
a key (the code, the shard's name, size and SHA-256 in the release's manifest, which
publish writes with the shards, and how many of its rows the table takes) and the piece's
length in the page's data; and a digest of the data. A run takes a piece from the page
it replaces where its key is the same and the page's data is whole (the digest), and
reads the other shards: a new dump makes the table read the shard it joined, if the table
reaches it. A page edited or cut short is not trusted. The page itself depends on the rows
only.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.io import parquet_rows
from pipeline.release import checksums
from pipeline.release.reader import shards

# The page's tags around the table's data.
DATA_OPEN = '<script type="application/json" id="abstracts-data">'
DATA_CLOSE = "</script>"


@dataclass(frozen=True)
class Table:
    """The searchable table: its `rows`, their `data` (UTF-8 JSON, a list of [id, text,
    n_words, n_occurrences], with `<`, `>` and `&` escaped so that it can stand in a
    <script> element), its `pieces` (each shard's key, rows and bytes in `data`, in order)
    and a digest of the data."""

    rows: int
    data: bytes
    pieces: list[dict]
    digest: str

    def record(self) -> dict:
        """What the table was made from, for the report to keep once the page holds it."""
        return {"pieces": self.pieces, "digest": self.digest}


def searchable(release: Path, limit: int, page: Path, kept: dict) -> Table:
    """The first `limit` abstracts of the release in folder `release`, each shard's from
    the `page` written before where `kept` (its table's `record`) says it holds them (see
    the module), else read."""
    from pipeline.parts import code_digest

    taken, listed, code = _kept(page, kept), checksums.listed(release), code_digest()
    pieces, chunks, rows = [], [], 0
    for shard in shards(release, "default"):
        if rows >= limit:
            break
        take = min(parquet_rows(shard), limit - rows)
        key = f"{code}\0{checksums.identity(release, shard, listed)}\0{take}"
        key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        chunk = taken.get(key)
        if chunk is None:
            chunk = _read(shard, take)
        pieces.append({"key": key, "rows": take, "bytes": len(chunk)})
        chunks.append(chunk)
        rows += take
    data = b"[" + b", ".join(chunk for chunk in chunks if chunk) + b"]"
    return Table(rows, data, pieces, _digest(data))


def _read(shard: Path, take: int) -> bytes:
    """The table's rows of the first `take` rows of a `default` shard, as the JSON of the
    items of a list (no brackets), read a row group at a time."""
    source, rows = pq.ParquetFile(shard), []
    columns = ["id", "text", "n_words", "n_occurrences"]
    for group in range(source.num_row_groups):
        if len(rows) >= take:
            break
        batch = source.read_row_group(group, columns=columns).slice(0, take - len(rows))
        rows += zip(*(column.to_pylist() for column in batch.columns), strict=True)
    data = json.dumps(rows, ensure_ascii=False)[1:-1]  # one call: its items as `, `.join
    return data.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").encode()


def _kept(page: Path, record: dict) -> dict[str, bytes]:
    """The pieces of the table of the `page` written before, by key, if its `record` says
    what they are and the page's data is whole."""
    if not isinstance(record, dict) or not isinstance(record.get("pieces"), list):
        return {}
    try:
        html = page.read_bytes()
    except OSError:
        return {}
    start = html.find(DATA_OPEN.encode())
    if start < 0:
        return {}
    start += len(DATA_OPEN)
    data = html[start : html.find(DATA_CLOSE.encode(), start)]
    if _digest(data) != record.get("digest"):
        return {}
    taken, at = {}, 1  # after the list's `[`
    for piece in record["pieces"]:
        size = piece.get("bytes") if isinstance(piece, dict) else None
        if not isinstance(size, int) or size < 0:
            return {}
        taken[piece.get("key")] = data[at : at + size]
        at += size + 2 if size else 0  # and the `, ` after a piece with rows
    return taken


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
