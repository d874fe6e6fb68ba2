"""The report's searchable table: the release's first abstracts as JSON, taken from the
last page when the shards they come from are the same files.

Reading those texts and encoding them is most of the report's cost, and it does not shrink
with the release (`report.table_rows`, 50,000 by default). So the page records what its
table was made from (the code, the row limit, and each shard read: its name, size,
modification time and SHA-256 in the release's manifest) and a digest of the data; a run
that finds both the same takes the data from the page, the same bytes it would write. A
page edited or cut short is not trusted: its data's digest differs.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.io import read_rows
from pipeline.release import checksums
from pipeline.release.reader import config_tables, shards

# The page's tags around the table's data and its stamp (`Table.stamp`).
DATA_OPEN = '<script type="application/json" id="abstracts-data">'
DATA_CLOSE = "</script>"
STAMP_OPEN = '<meta name="abstracts-table" content="'


@dataclass(frozen=True)
class Table:
    """The searchable table: its `rows`, their `data` (UTF-8 JSON, a list of [id, text,
    n_words, n_occurrences], with `<`, `>` and `&` escaped so that it can stand in a
    <script> element), a digest of what they were read from and one of the data."""

    rows: int
    data: bytes
    made_from: str
    digest: str

    @property
    def stamp(self) -> str:
        return f"{self.made_from} {self.rows} {self.digest}"


def searchable(release: Path, limit: int, page: Path) -> Table:
    """The first `limit` abstracts of the release in folder `release`, from the `page`
    written before if it holds them (see the module), else read from the release."""
    made_from = _made_from(release, limit)
    return _kept(page, made_from) or _read(release, limit, made_from)


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
    return Table(len(rows), data.encode(), made_from, _digest(data.encode()))


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
        name, stat = shard.relative_to(release).as_posix(), shard.stat()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{listed.get(name)}\0".encode())
        rows += pq.read_metadata(shard).num_rows
    return digest.hexdigest()


def _kept(page: Path, made_from: str) -> Table | None:
    """The table of the `page` written before, if it was made from `made_from` and its
    data is whole."""
    try:
        html = page.read_bytes()
    except OSError:
        return None
    stamp_at, data_at = html.find(STAMP_OPEN.encode()), html.find(DATA_OPEN.encode())
    if stamp_at < 0 or data_at < 0:
        return None
    stamp_at += len(STAMP_OPEN)
    stamp = html[stamp_at : html.find(b'"', stamp_at)].decode("ascii", "replace").split(" ")
    data_at += len(DATA_OPEN)
    data = html[data_at : html.find(DATA_CLOSE.encode(), data_at)]
    if len(stamp) != 3 or stamp[0] != made_from or not stamp[1].isdigit():
        return None
    return Table(int(stamp[1]), data, made_from, stamp[2]) if _digest(data) == stamp[2] else None


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
