"""The published tables, made by joining dedup's links to the normalized parts."""

import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import parts
from pipeline.io import parquet_rows
from pipeline.release.layout import CONFIGS
from pipeline.release.reader import ReleaseError
from pipeline.release.shards import Part
from schemas.abstracts import Grouped
from schemas.derive import arrow_schema
from schemas.fields import KEY
from schemas.occurrences import Linked

TEXT_RAW = "text_raw"  # taken from the parse parts: normalize does not copy it
# The columns each config takes from dedup's links (by their name there); the others come
# from the normalized parts.
FROM_LINKS = {
    "default": {"id": "abstract_id", **{n: n for n in arrow_schema(Grouped).names}},
    "occurrences": {n: n for n in arrow_schema(Linked).names},
}


class LinksError(ReleaseError):
    """Dedup's links do not match the normalized parts: dedup must run again."""


def linked_parts(config: str, inputs: dict[str, Path], links: Path) -> list[Part]:
    """The `default` or `occurrences` config's rows of each normalized part, in part
    order: the normalized columns (and the parse part's `text_raw`, which normalize does
    not copy) with the linked ones, joined row by row once every row's span key (`KEY`)
    is checked to be the same on all sides. `inputs` are the parse and normalize stages'
    folders (`parsed`, `normalized`). A part's digest covers its normalized part (whose
    name is a digest of its parse part's) and the links it takes (only the canonical
    rows' for `default`)."""
    taken = FROM_LINKS[config]
    entries = parts.index(inputs["normalized"])
    files = parts.paths(inputs["normalized"], parts.OCCURRENCES, entries)
    raw = [
        inputs["parsed"] / parts.PARTS / entry["parsed"] / parts.OCCURRENCES for entry in entries
    ]
    sizes = list(map(parquet_rows, files))
    found = []
    for entry, path, text, link in zip(entries, files, raw, _cut(links, sizes), strict=True):
        # Fresh buffers: where the links were cut must not show in the rows' bytes or size.
        link = link.take(np.arange(link.num_rows))
        picked = link.select(list(dict.fromkeys([*KEY, *taken.values()])))
        if config == "default":
            picked = picked.filter(link.column("is_canonical"))
        digest = part_digest(config, entry["part"], picked)
        build = functools.partial(_joined, config, path, text, link, links)
        found.append(Part(digest, entry["source"], build))
    return found


def part_digest(config: str, part: str, table: pa.Table | None = None) -> str:
    """A digest of what a config's rows of a part are made from: the part's name (itself
    a digest of its content), the `table` of links it takes, and the code."""
    digest = hashlib.blake2b(f"{config}\0{part}\0{parts.code_digest()}".encode(), digest_size=16)
    if table is not None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as stream:
            stream.write_table(table)
        digest.update(sink.getvalue())
    return digest.hexdigest()


def _joined(config: str, path: Path, raw: Path, link: pa.Table, links: Path) -> pa.Table:
    """The config's rows of the normalized part at `path` (and of the parse part at `raw`,
    for `text_raw`), joined to its `link` rows."""
    schema = arrow_schema(CONFIGS[config])
    taken = FROM_LINKS[config]
    own = [n for n in schema.names if n not in taken]
    columns = [n for n in dict.fromkeys([*own, *KEY]) if n != TEXT_RAW]
    table = pq.read_table(path, columns=columns)
    _check(table, link, path, links)
    if TEXT_RAW in own:
        text = pq.read_table(raw, columns=[*KEY, TEXT_RAW])
        _check(text, link, raw, links)
        table = table.append_column(TEXT_RAW, text.column(TEXT_RAW))
    if config == "default":
        keep = link.column("is_canonical")
        table, link = table.filter(keep), link.filter(keep)
    return pa.Table.from_pydict(
        {n: link.column(taken[n]) if n in taken else table.column(n) for n in schema.names},
        schema=schema,
    )


def _check(part: pa.Table, link: pa.Table, path: Path, links: Path) -> None:
    """Raise LinksError, naming the first row that differs, unless the `part` read from
    `path` and its `link` rows from `links` hold the same span keys in the same order."""
    same = functools.reduce(pc.and_, (pc.equal(part[n], link[n]) for n in KEY))
    if pc.all(same).as_py():
        return
    row = pc.index(same, False).as_py()
    here, there = ({n: t[n][row].as_py() for n in KEY} for t in (part, link))
    raise LinksError(
        f"{path}: row {row} is {here} but {links} has {there} there: the links do not "
        "follow the normalized parts; run dedup again"
    )


def _cut(path: Path, sizes: list[int], batch_rows: int = 65_536) -> Iterator[pa.Table]:
    """The Parquet table at `path` cut into consecutive tables of `sizes` rows, read a batch
    at a time; it must hold exactly that many rows."""
    source = pq.ParquetFile(path)
    if source.metadata.num_rows != sum(sizes):
        raise LinksError(
            f"{path}: {source.metadata.num_rows} links for {sum(sizes)} normalized occurrences"
        )
    batches = source.iter_batches(batch_size=batch_rows)
    pending = source.schema_arrow.empty_table()
    for size in sizes:
        while pending.num_rows < size:
            pending = pa.concat_tables([pending, pa.Table.from_batches([next(batches)])])
        yield pending.slice(0, size)
        pending = pending.slice(size)
