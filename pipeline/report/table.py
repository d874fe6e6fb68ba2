"""The report's searchable table: the release's first abstracts as JSON, taken from the
last page when the shards they come from are the same.

Reading those texts and encoding them is most of the report's cost, and it does not shrink
with the release (`report.table_rows`, 50,000 by default). So the report keeps, in its
state (`report --kept`, build/report.json), what its table was made from (the code, the
row limit, and each shard read: its name, size and SHA-256 in the release's manifest,
which publish writes with the shards) and a digest of the table's data; a run that finds
both the same takes the data from the page, the same bytes it would write. A page edited
or cut short is not trusted: its data's digest differs. The page itself depends on the
rows only.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.io import parquet_rows, read_rows
from pipeline.release import checksums
from pipeline.release.reader import config_tables, shards

# The page's tags around the table's data.
DATA_OPEN = '<script type="application/json" id="abstracts-data">'
DATA_CLOSE = "</script>"


@dataclass(frozen=True)
class Table:
    """The searchable table: its `rows`, their `data` (UTF-8 JSON, a list of [id, text,
    n_words, n_occurrences], with `<`, `>` and `&` escaped so that it can stand in a
    <script> element), a digest of what they were read from and one of the data."""

    rows: int
    data: bytes
    made_from: str
    digest: str

    def record(self) -> dict:
        """What the table was made from, for the report to keep once the page holds it."""
        return {"made_from": self.made_from, "rows": self.rows, "digest": self.digest}


def searchable(release: Path, limit: int, page: Path, kept: dict) -> Table:
    """The first `limit` abstracts of the release in folder `release`, from the `page`
    written before if `kept` (its table's `record`) says it holds them (see the module),
    else read."""
    made_from = _made_from(release, limit)
    return _kept(page, kept, made_from) or _read(release, limit, made_from)


def first(release: Path, limit: int) -> list[dict]:
    """The first `limit` abstracts' id, n_words and n_occurrences."""
    rows: list[dict] = []
    for part in config_tables(release, "default", ["id", "n_words", "n_occurrences"]):
        if len(rows) >= limit:
            break
        rows += part.slice(0, limit - len(rows)).to_pylist()
    return rows


def _read(release: Path, limit: int, made_from: str) -> Table:
    rows = first(release, limit)
    texts = read_rows(shards(release, "default"), "text", list(range(len(rows))))
    data = json.dumps(
        [[row["id"], texts[i], row["n_words"], row["n_occurrences"]] for i, row in enumerate(rows)],
        ensure_ascii=False,
    )
    data = data.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    encoded = data.encode()
    return Table(len(rows), encoded, made_from, _digest(encoded))


def _made_from(release: Path, limit: int) -> str:
    """A digest of what the first `limit` abstracts are read from: the code, `limit`, and
    the shards that hold them."""
    from pipeline.parts import code_digest

    listed = checksums.listed(release)
    digest = hashlib.blake2b(f"{code_digest()}\0{limit}\0".encode(), digest_size=16)
    rows = 0
    for shard in shards(release, "default"):
        if rows >= limit:
            break
        digest.update(f"{checksums.identity(release, shard, listed)}\0".encode())
        rows += parquet_rows(shard)
    return digest.hexdigest()


def _kept(page: Path, record: dict, made_from: str) -> Table | None:
    """The table of the `page` written before, if its `record` says it was made from
    `made_from` and its data is whole."""
    if not isinstance(record, dict) or record.get("made_from") != made_from:
        return None
    try:
        html = page.read_bytes()
    except OSError:
        return None
    start = html.find(DATA_OPEN.encode())
    if start < 0:
        return None
    start += len(DATA_OPEN)
    data = html[start : html.find(DATA_CLOSE.encode(), start)]
    if _digest(data) != record.get("digest") or not isinstance(record.get("rows"), int):
        return None
    return Table(record["rows"], data, made_from, record["digest"])


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
