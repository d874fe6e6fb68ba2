"""Dedup's links as publish takes them, a part at a time: the columns each config takes,
a digest of what a part's rows of a config are made from, and each part's links file.

Dedup writes each normalized part's links to a file of its own (`file`), and records each
part's digests beside them (`DIGESTS`), computing them for the parts whose links changed
only, so that publish knows which parts changed without reading every link, and reads the
links of the parts it writes only.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import xxhash

from schemas.abstracts import Decided
from schemas.derive import arrow_schema
from schemas.fields import KEY
from schemas.links import Links
from schemas.occurrences import Linked

DIGESTS = "links.json"
FOLDER = "links"
# The columns each config takes from dedup's links, as a model (publish validates them
# alone where only they changed), and by their names there; the others come from the
# normalized parts.
TAKEN = {"default": Decided, "occurrences": Linked}
FROM_LINKS = {
    config: {n: "abstract_id" if n == "id" else n for n in arrow_schema(model).names}
    for config, model in TAKEN.items()
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


def rows_key(config: str) -> str:
    """The key of `digests` naming which rows a config has of a part."""
    return f"{config}_rows"


def digests(part: str, link: pa.Table) -> dict[str, str]:
    """The digest of each config's rows of the `part` whose links are `link`, and of
    which rows they are (`rows_key`: the rows but for the columns taken from the links,
    which are the same where this digest is, so that publish encodes only those there):
    `occurrences` has every row of the part, `default` its canonical ones."""
    found = {config: part_digest(config, part, taken(config, link)) for config in FROM_LINKS}
    canonical = np.packbits(link.column("is_canonical").to_numpy(zero_copy_only=False))
    for config, kept in (("occurrences", b""), ("default", canonical.tobytes())):
        digest = hashlib.blake2b(f"{rows_key(config)}\0{part}\0".encode(), digest_size=16)
        digest.update(kept)
        found[rows_key(config)] = digest.hexdigest()
    return found


def file(folder: Path, part: str) -> Path:
    """The file of dedup's output `folder` holding the links of the normalized `part`:
    Arrow IPC, which costs a fifth of Parquet's time to write and read (dedup writes every
    part's links again where copies change a group's counts, publish reads them), and
    stays in build/."""
    return folder / FOLDER / f"{part}.arrow"


def write(table: pa.Table, path: Path, rows: int) -> int:
    """Write a part's links `table` to `path`, in record batches of `rows` rows; return
    the file's `checksum`, of the bytes written."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=rows)
    data = sink.getvalue()
    path.write_bytes(data)
    return _sum(data)


def checksum(path: Path) -> int:
    """The checksum of the links file at `path` that dedup records (`links.json`'s `sum`)
    and checks before it keeps a file, and publish before it trusts one alone."""
    return _sum(path.read_bytes())


def _sum(data) -> int:
    return xxhash.xxh3_64_intdigest(data)


def load(path: Path) -> pa.Table:
    """The links in the file at `path`, read whole: a small file opened from memory costs
    a third of one mapped."""
    return _table(path.read_bytes())


def _table(data: bytes) -> pa.Table:
    return pa.ipc.open_file(pa.py_buffer(data)).read_all()


def read(folder: Path, part: str, config: str) -> pa.Table:
    """The links of the normalized `part` in dedup's output `folder`, the columns a config
    takes of them (and the span key, and `is_canonical`) only, in one chunk each: how the
    file was batched never shows in their size, which cuts the shards."""
    return _columns(file(folder, part).read_bytes(), config)


def read_checked(folder: Path, part: str, config: str, recorded: int | None) -> pa.Table | None:
    """As `read`, if the file's `checksum` is `recorded` (checked before the file is read
    as links, from the same bytes); else None."""
    data = file(folder, part).read_bytes()
    if _sum(data) != recorded:
        return None
    return _columns(data, config)


def _columns(data: bytes, config: str) -> pa.Table:
    columns = dict.fromkeys([*KEY, *FROM_LINKS[config].values(), "is_canonical"])
    return _table(data).select(list(columns)).combine_chunks()


def read_all(folder: Path, columns: list[str] | None = None) -> pa.Table:
    """The links (their `columns`, all if None) of every part that dedup's output `folder`
    records, in part order."""
    files = [file(folder, entry["part"]) for entry in read_digests(folder)]
    tables = [load(path) for path in files]
    tables = tables if columns is None else [table.select(columns) for table in tables]
    if not tables:
        schema = arrow_schema(Links)
        return (
            schema if columns is None else pa.schema([schema.field(c) for c in columns])
        ).empty_table()
    return pa.concat_tables(tables)


def read_digests(folder: Path) -> list[dict]:
    """The parts that dedup's output `folder` records, in order: each one's `part`, `rows`
    and digest of each config (none if unreadable)."""
    try:
        recorded = json.loads((folder / DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return recorded if isinstance(recorded, list) else []
