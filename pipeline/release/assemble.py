"""The published tables, made by joining dedup's links to the normalized parts."""

import functools
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import links, parts
from pipeline.links import DIGESTS, FROM_LINKS, read_digests
from pipeline.release.layout import CONFIGS
from pipeline.release.reader import ReleaseError
from pipeline.release.shards import Part
from schemas.derive import arrow_schema
from schemas.fields import KEY

TEXT_RAW = "text_raw"  # taken from the parse parts: normalize does not copy it


class LinksError(ReleaseError):
    """Dedup's links do not match the normalized parts: dedup must run again."""


def linked_parts(config: str, inputs: dict[str, Path]) -> list[Part]:
    """The `default` or `occurrences` config's rows of each normalized part, in part
    order: the normalized columns (and the parse part's `text_raw`, which normalize does
    not copy) with the linked ones, joined row by row once every row's span key (`KEY`)
    is checked to be the same on all sides. `inputs` are the parse, normalize and dedup
    stages' folders (`parsed`, `normalized`, `dedup`). A part's digest is the one dedup
    recorded (`pipeline.links`); its links are read when its rows are made."""
    entries = parts.index(inputs["normalized"])
    recorded = read_digests(inputs["dedup"])
    if [e["part"] for e in recorded] != [e["part"] for e in entries]:
        raise LinksError(
            f"{inputs['dedup'] / DIGESTS}: its parts are not those of {inputs['normalized']} "
            "(dedup's output is missing, damaged or older than the parts); run dedup again"
        )
    files = parts.paths(inputs["normalized"], parts.OCCURRENCES, entries)
    found = []
    for entry, file, digests in zip(entries, files, recorded, strict=True):
        raw = inputs["parsed"] / parts.PARTS / entry["parsed"] / parts.OCCURRENCES
        link = functools.partial(links.read, inputs["dedup"], entry["part"], config)
        path = links.file(inputs["dedup"], entry["part"])
        build = functools.partial(_joined, config, file, raw, link, path)
        found.append(Part(digests[config], entry["source"], build))
    return found


def _joined(config: str, path: Path, raw: Path, read_link, links: Path) -> pa.Table:
    """The config's rows of the normalized part at `path` (and of the parse part at `raw`,
    for `text_raw`), joined to its rows of the links at `links`, which `read_link()`
    reads."""
    schema = arrow_schema(CONFIGS[config])
    taken = FROM_LINKS[config]
    link = read_link()
    own = [n for n in schema.names if n not in taken]
    columns = [n for n in dict.fromkeys([*own, *KEY]) if n != TEXT_RAW]
    table = pq.ParquetFile(path).read(columns=columns)  # no dataset: a part is a file
    _check(table, link, path, links)
    if TEXT_RAW in own:
        text = pq.ParquetFile(raw).read(columns=[*KEY, TEXT_RAW])
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
    if part.num_rows != link.num_rows:
        raise LinksError(
            f"{path}: {part.num_rows} rows but {links} has {link.num_rows} for it: the links "
            "do not follow the normalized parts; run dedup again"
        )
    same = functools.reduce(pc.and_, (pc.equal(part[n], link[n]) for n in KEY))
    if pc.all(same).as_py():
        return
    row = pc.index(same, False).as_py()
    here, there = ({n: t[n][row].as_py() for n in KEY} for t in (part, link))
    raise LinksError(
        f"{path}: row {row} is {here} but {links} has {there} there: the links do not "
        "follow the normalized parts; run dedup again"
    )
