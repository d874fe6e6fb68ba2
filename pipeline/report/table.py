"""The report's searchable table: the release's first abstracts as JSON, a column of a row
group at a time, each piece taken from the last page where that column chunk is the same.

Reading those texts and encoding them is most of the report's cost, and it does not shrink
with the release (`report.table_rows`, 50,000 by default). So the report keeps, in its
state (`report --kept`, build/report.json), the table's pieces: for each column of each
row group it takes, a key (the code, a digest of the column chunk's bytes as they stand
in the shard, and how many of its rows the table takes) and where the piece lies in the
page's data; and a digest of the data. A run takes a piece from the page it replaces
where its key is the same and the page's data is whole (the digest), and reads the other
column chunks: a new dump makes the table read the row groups it changed, if the table
reaches them, and a copy of an old abstract the counts of its row group, not its texts
(publish copies a row group's unchanged chunks as they were). A page edited or cut short
is not trusted. The page itself depends on the rows only.
"""

import hashlib
import json
import mmap
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.release.reader import shards

# The page's tags around the table's data.
DATA_OPEN = '<script type="application/json" id="abstracts-data">'
DATA_CLOSE = "</script>"
COLUMNS = ("id", "text", "n_words", "n_occurrences")


@dataclass(frozen=True)
class Table:
    """The searchable table: its `rows`, their `data` (UTF-8 JSON, an object of a list of
    values by column in `COLUMNS`, with `<`, `>` and `&` escaped so that it can stand in a
    <script> element), its `pieces` (each column chunk's column, key, and the start and
    length of its values in `data`, in order) and a digest of the data."""

    rows: int
    data: bytes
    pieces: list[dict]
    digest: str

    def record(self) -> dict:
        """What the table was made from, for the report to keep once the page holds it."""
        return {"pieces": self.pieces, "digest": self.digest}


def searchable(release: Path, limit: int, taken: dict[str, bytes]) -> Table:
    """The first `limit` abstracts of the release in folder `release`, each column chunk's
    values `taken` from the page written before (`kept`) where they are there, else read
    (see the module)."""
    from pipeline.parts import code_digest

    code, rows = code_digest(), 0
    found = {column: [] for column in COLUMNS}  # each column's (key, values) in row order
    for shard in shards(release, "default"):
        if rows >= limit:
            break
        file = pq.ParquetFile(shard)
        with shard.open("rb") as raw, mmap.mmap(raw.fileno(), 0, prot=mmap.PROT_READ) as data:
            for group in range(file.num_row_groups):
                if rows >= limit:
                    break
                meta = file.metadata.row_group(group)
                take = min(meta.num_rows, limit - rows)
                at = {meta.column(i).path_in_schema: i for i in range(meta.num_columns)}
                keys = {c: _key(code, data, meta.column(at[c]), take) for c in COLUMNS}
                missing = [c for c in COLUMNS if keys[c] not in taken]
                values = _read(file, group, missing, take) if missing else {}
                for column in COLUMNS:
                    piece = taken.get(keys[column]) if column not in values else values[column]
                    found[column].append((keys[column], piece))
                rows += take
    return _table(rows, found)


def _key(code: str, data: mmap.mmap, chunk, take: int) -> str:
    """The key of `take` rows of the column chunk `chunk` (its metadata) of the file whose
    bytes are `data`: a digest of the code, its bytes and `take`."""
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    digest = hashlib.blake2b(f"{code}\0{chunk.path_in_schema}\0{take}\0".encode())
    digest.update(memoryview(data)[start : start + chunk.total_compressed_size])
    return digest.hexdigest()


def _read(file: pq.ParquetFile, group: int, columns: list[str], take: int) -> dict[str, bytes]:
    """The first `take` values of `columns` of a row group of `file`, each column's as the
    JSON of the items of a list (no brackets)."""
    batch = file.read_row_group(group, columns=columns).slice(0, take)
    return {name: _items(batch.column(name).to_pylist()) for name in columns}


def _items(values: list) -> bytes:
    data = json.dumps(values, ensure_ascii=False)[1:-1]  # one call: the items as `, `.join
    return data.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").encode()


def _table(rows: int, found: dict[str, list[tuple[str, bytes]]]) -> Table:
    """The table of `rows` rows whose column chunks' keys and values are `found`."""
    data, pieces = bytearray(b"{"), []
    for column, chunks in found.items():
        data += f'{"" if column == COLUMNS[0] else ", "}"{column}": ['.encode()
        first = True
        for key, values in chunks:
            if values and not first:
                data += b", "
            pieces.append({"column": column, "key": key, "start": len(data)})
            pieces[-1]["bytes"] = len(values)
            data += values
            first = first and not values
        data += b"]"
    data += b"}"
    return Table(rows, bytes(data), pieces, _digest(bytes(data)))


def kept(page: Path, record: dict) -> dict[str, bytes]:
    """The pieces of the table of the `page` written before, by key, if its `record` says
    what they are, the page's data is whole and the pieces, put together, are that data."""
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
    found = {column: [] for column in COLUMNS}
    for piece in record["pieces"]:
        if not isinstance(piece, dict) or piece.get("column") not in found:
            return {}
        at, size = piece.get("start"), piece.get("bytes")
        if not all(isinstance(n, int) and 0 <= n <= len(data) for n in (at, size)):
            return {}
        found[piece["column"]].append((piece.get("key"), data[at : at + size]))
    if _table(0, found).data != data:  # the pieces are not where the record says
        return {}
    return {key: values for chunks in found.values() for key, values in chunks}


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
