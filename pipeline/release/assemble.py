"""The published tables, made by joining dedup's links to the normalized parts."""

import functools
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import links, parts
from pipeline.links import DIGESTS, FROM_LINKS, TAKEN, read_digests, rows_key
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
    recorded (`pipeline.links`), and its `rows` digest too, with `taken` making the columns
    taken from the links alone (`pipeline.release.shards` splices them in where only they
    changed); its links are read when its rows are made."""
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
        taken = functools.partial(
            _taken, config, inputs["dedup"], entry["part"], digests.get("sum")
        )
        rows = digests.get(rows_key(config))
        found.append(Part(digests[config], entry["source"], build, rows, taken))
    return found


def _joined(config: str, path: Path, raw: Path, read_link, links: Path) -> pa.Table:
    """The config's rows of the normalized part at `path` (and of the parse part at `raw`,
    for `text_raw`), joined to its rows of the links at `links`, which `read_link()`
    reads."""
    schema = arrow_schema(CONFIGS[config])
    link = read_link()
    own = [n for n in schema.names if n not in FROM_LINKS[config]]
    columns = [n for n in dict.fromkeys([*own, *KEY]) if n != TEXT_RAW]
    table = pq.ParquetFile(path).read(columns=columns)  # no dataset: a part is a file
    _check(table, link, path, links)
    if TEXT_RAW in own:
        text = pq.ParquetFile(raw).read(columns=[*KEY, TEXT_RAW])
        _check(text, link, raw, links)
        table = table.append_column(TEXT_RAW, text.column(TEXT_RAW))
    if config == "default":
        table = table.filter(link.column("is_canonical"))
    taken = _from_links(config, link)
    return pa.Table.from_pydict(
        {n: taken.column(n) if n in taken.column_names else table.column(n) for n in schema.names},
        schema=schema,
    )


def _taken(config: str, dedup: Path, part: str, recorded: int | None) -> pa.Table:
    """The columns the config's rows of the normalized `part` take from its links in
    dedup's output `dedup`; the links file is checked against the checksum dedup
    recorded of it (`recorded`), not row by row against the part, which is not read."""
    link = links.read_checked(dedup, part, config, recorded)
    if link is None:
        raise LinksError(
            f"{links.file(dedup, part)}: not the file dedup recorded in {dedup / DIGESTS} "
            "(its checksum differs); run dedup again"
        )
    return _from_links(config, link)


def _from_links(config: str, link: pa.Table) -> pa.Table:
    """The columns a config takes from a part's `link` rows, of its rows (the canonical
    ones for `default`), as its `TAKEN` model says."""
    if config == "default":
        link = link.filter(link.column("is_canonical"))
    schema = arrow_schema(TAKEN[config])
    names = FROM_LINKS[config]
    return pa.Table.from_pydict({n: link.column(names[n]) for n in schema.names}, schema=schema)


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
