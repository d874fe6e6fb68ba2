"""Write a config as Parquet shards, deterministically, in bounded memory, keeping what
the last release holds of rows that did not change.

A shard holds the rows of consecutive parts (one per raw file, in raw-file order). A part
ends its shard where its source's hash says so (about one part in `shard_parts`) once the
shard holds a quarter of `shard_max_bytes` or `FILL` times `shard_parts` parts, or where
the next part would take the shard past `shard_max_bytes` of data; a part larger than that
alone is cut in several shards. The count of parts bounds what a shard costs to write
where parts hold few rows of a config (a crawl's copies leave most parts few abstracts of
their own, each still read to find them).
So where shards end depends on the parts nearby only: a new dump changes the shard it
joins (and at most the next few, until a hash ends them as before), a part whose rows
changed its own shard, and every other shard is the same file as before, linked from the
last release instead of written again. What each shard was made from (its parts'
digests, the schema and the code) is kept for the next run (`publish --shards`); a file
whose size or modification time is not what was recorded is written again, never
trusted.

Row groups are cut at parts the same way (`row_groups`), so a shard that changed is made
of the last release's row groups where their rows are the same, copied without encoding
them again (`pipeline.release.splice`), and new ones where a part's rows changed. A copy
of an old abstract arriving in a new dump changes rows of other parts, but mostly in the
columns they take from dedup's links (`default`'s `n_occurrences`; an occurrence's
`abstract_id` where groups merge): where only those changed (`Part.rows` names a part's
rows but for them, `Part.taken` makes them alone), a row group takes its other columns
from the last release and only those are encoded. A file made so is the same bytes as
one written whole.
"""

import hashlib
import mmap
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io import PARQUET, atomic_dir
from pipeline.parallel import threaded
from pipeline.release import checksums
from pipeline.release.layout import shard
from pipeline.release.splice import Parquet, RowGroup, SpliceError, assemble
from schemas.derive import arrow_schema, validate

# Rows validated at a time (Pandera's cost is mostly a fixed few ms a call).
VALIDATE_ROWS = 50_000
# A shard may end once it holds 1/FILL of shard_max_bytes or FILL * shard_parts parts.
FILL = 4
# A row group may end after a part once it holds 1/ROW_FILL of row_group_rows rows: if that
# part alone held as many, or after about one part in GROUP_PARTS (by its source's hash).
ROW_FILL = 8
GROUP_PARTS = 4


@dataclass(frozen=True)
class Part:
    """A part's rows of a config: `digest` names what they are made from, `source` is its
    raw file, `build` makes them; `rows` names them but for the columns that `taken` makes
    alone (none: the part's rows change only whole)."""

    digest: str
    source: str
    build: Callable[[], pa.Table]
    rows: str | None = None
    taken: Callable[[], pa.Table] | None = None


@dataclass(frozen=True)
class Shards:
    """What was written of one config: the shards' relative paths, rows, bytes (in
    memory, uncompressed) and SHA-256 digests; and the state to keep for the next run."""

    names: list[str]
    rows: int
    nbytes: int
    sha256: dict[str, str]
    state: dict


def batches(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """The rows of `tables`, in order, regrouped `rows` at a time (the last one fewer)."""
    pending, count = [], 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= rows:
            joined = pa.concat_tables(pending)
            yield joined.slice(0, rows).combine_chunks()
            pending, count = [joined.slice(rows)], count - rows
    if count:
        yield pa.concat_tables(pending).combine_chunks()


def recorded(state: dict) -> dict[str, dict]:
    """The shards that publish's kept `state` (`Shards.state` by config) records it wrote,
    by path in the release: each with its size, modification time and SHA-256."""
    return {
        entry["name"]: entry
        for kept in state.values()
        for files in kept.get("groups", {}).values()
        for entry in files
    }


def ends_shard(source: str, every: int) -> bool:
    """Whether the part of raw file `source` may end its shard: about one in `every`."""
    digest = hashlib.blake2b(source.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % every == 0


def row_groups(rows: list[int], sources: list[str], most: int) -> list[list[tuple[int, int, int]]]:
    """Where a shard of parts holding `rows` rows each (of the raw files `sources`) is cut
    into row groups, each a list of (part, first row, end row): a row group ends after a
    part once it holds `most // ROW_FILL` rows if that part alone held as many or its
    source's hash says so (about one in `GROUP_PARTS`), and before a part that would take
    it past `most` rows; a part of `most` rows or more fills row groups of its own, its
    last rows beginning the next."""
    cuts, group, count, least = [], [], 0, max(most // ROW_FILL, 1)
    for part, (held, source) in enumerate(zip(rows, sources, strict=True)):
        if group and count + held > most:
            cuts.append(group)
            group, count = [], 0
        start = 0
        while held - start >= most:
            cuts.append([(part, start, start + most)])
            start += most
        if start == held:
            continue
        group.append((part, start, held))
        count += held - start
        if count >= least and (held - start >= least or ends_shard(source, GROUP_PARTS)):
            cuts.append(group)
            group, count = [], 0
    return [*cuts, group] if group else cuts


def write_config(
    parts: list[Part],
    model,
    schema: pa.Schema,
    folder: Path,
    config: str,
    meta: dict,
    old: Path,
    state: dict,
    taken=None,
) -> Shards:
    """Validate the rows of `parts` against `model` and write them as `schema` under
    folder/data/<config>/, in row groups of at most `meta["row_group_rows"]` rows, in
    shards, both cut as the module says; shards made from the same parts as a shard of the
    release in `old` (as `state`, this config's part of `Shards.state` then, records) are
    linked from there, and row groups of the same rows copied, those of rows that differ
    only in the columns of the `taken` model (none: no such columns) but for these."""
    with atomic_dir(folder / "data" / config, retried=True) as data:
        return Writer(model, taken, schema, config, meta, old, data, state).write(parts)


@dataclass
class Planned:
    """A part as planned: its `table` and `taken` columns where they were made to size
    it, whether it is `fresh` (its rows not in the last release as they are), its rows and
    bytes."""

    part: Part
    table: pa.Table | None
    taken: pa.Table | None
    fresh: bool
    rows: int
    nbytes: int

    def whole(self) -> pa.Table:
        if self.table is None:
            self.table = self.part.build()
        return self.table

    def columns(self) -> pa.Table:
        if self.taken is None:
            self.taken = self.part.taken()
        return self.taken


@dataclass
class Group:
    """A shard's parts, `key` (a digest of the stamp and their digests), `size` (their
    bytes) and, once written, `files`."""

    parts: list[Planned]
    key: str
    size: int
    files: list[dict] | None = None


def _digest(*names: str) -> str:
    return hashlib.blake2b("\0".join(names).encode()).hexdigest()


class Writer:
    """One config's shards written into `data` (this attempt's own folder: a Ray task may
    run twice at once), which then replaces folder/data/<config>/; from what the last run
    recorded (`state`) of the release at `old`. Shards are written in threads while the
    next ones are planned."""

    def __init__(self, model, taken, schema: pa.Schema, config: str, meta: dict, old, data, state):
        self.model, self.taken, self.schema, self.config = model, taken, schema, config
        self.meta, self.old, self.data, self.state = meta, old, data, state
        self.stamp = _stamp(config, schema, meta)
        self.names = [] if taken is None else arrow_schema(taken).names
        self.kept = {"sizes": {}, "rest": {}, "groups": {}}
        # the last release's row groups, by their key and by the `alike` of their rows
        self.where, self.alike = {}, {}
        for files in state.get("groups", {}).values():
            for entry in files:
                for index, (key, alike, *_) in enumerate(entry.get("row_groups", [])):
                    self.where[key] = (entry, index)
                    if alike:
                        self.alike[alike] = (entry, index)

    def write(self, parts: list[Part]) -> Shards:
        written = []
        for group in threaded(self._made, enumerate(self._planned(parts))):
            self.kept["groups"][group.key] = group.files
            written.extend(group.files)
        names = [shard(self.config, i, len(written)) for i in range(len(written))]
        for entry, name in zip(written, names, strict=True):
            path = self.data / Path(name).name
            os.replace(entry.pop("path"), path)
            entry["name"] = name
            stat = path.stat()
            entry["size"], entry["mtime_ns"] = stat.st_size, stat.st_mtime_ns
        rows, nbytes = sum(e["rows"] for e in written), sum(e["nbytes"] for e in written)
        sha256 = {e["name"]: e["sha256"] for e in written}
        return Shards(names, rows, nbytes, sha256, self.kept)

    def _planned(self, parts: list[Part]) -> Iterator[Group]:
        """The shard groups of `parts`, as the module says, each part sized by `_plan`."""
        group, size, most = [], 0, self.meta["shard_max_bytes"]
        for part in parts:
            planned = self._plan(part)
            if group and size + planned.nbytes > most:
                yield self._group(group, size)
                group, size = [], 0
            group.append(planned)
            size += planned.nbytes
            full = size >= most // FILL or len(group) >= FILL * self.meta["shard_parts"]
            if full and ends_shard(part.source, self.meta["shard_parts"]):
                yield self._group(group, size)
                group, size = [], 0
        if group or not parts:
            yield self._group(group, size)

    def _plan(self, part: Part) -> Planned:
        """A part sized by what the last run recorded of it: by its digest; else by its
        `rows` and its taken columns, made; else by its table, made. Its size (and, where
        it has `rows`, its size but for the taken columns) is kept for the next run."""
        sizes, rest = self.state.get("sizes", {}), self.state.get("rest", {})
        if part.digest in sizes:
            nbytes, rows = sizes[part.digest]
            planned = Planned(part, None, None, False, rows, nbytes)
        elif part.rows in rest:
            taken = part.taken()
            planned = Planned(part, None, taken, True, taken.num_rows, rest[part.rows][0])
            planned.nbytes += taken.nbytes
        else:
            table = part.build()
            planned = Planned(part, table, None, True, table.num_rows, table.nbytes)
        self.kept["sizes"][part.digest] = [planned.nbytes, planned.rows]
        if part.rows is not None:
            other = rest.get(part.rows, [None])[0]
            if planned.table is not None:
                other = planned.nbytes - planned.table.select(self.names).nbytes
            if other is not None:
                self.kept["rest"][part.rows] = [other, planned.rows]
        return planned

    def _group(self, parts: list[Planned], size: int) -> Group:
        return Group(parts, _digest(self.stamp, *(p.part.digest for p in parts)), size)

    def _made(self, item: tuple[int, Group]) -> Group:
        """The group's files: linked from the last release if it holds them, else written
        (assembled from row groups, or whole where a part passes `shard_max_bytes` or
        there is no row), named from its place `at`."""
        at, group = item
        prefix = f".{at}"
        files = _reused(self.state.get("groups", {}).get(group.key), self.old, self.data, prefix)
        rows = sum(planned.rows for planned in group.parts)
        if files is None and (group.size > self.meta["shard_max_bytes"] or not rows):
            files = _write(group.parts, self.model, self.schema, self.data, self.meta, prefix)
        group.files = files or [self._assembled(group.parts, self.data / f"{prefix}.0.parquet")]
        return group

    def _assembled(self, parts: list[Planned], path: Path) -> dict:
        """Write the rows of `parts` to `path` a row group at a time: copied from the last
        release where it holds one of the same rows; where it holds one whose rows differ
        in the taken columns only, copied but for these; else made. The rows of parts not
        seen before are validated (those of the others were, then): whole where their row
        group is made, the taken columns where only these are. Return the file's entry."""
        files = {}
        cuts = row_groups([p.rows for p in parts], [p.part.source for p in parts], self.rows)
        cuts = [self._cut(parts, cut, files) for cut in cuts]
        made = {i for cut in cuts if cut.kind == MADE for i, *_ in cut.rows}
        taken = {i for cut in cuts if cut.kind == TAKEN for i, *_ in cut.rows} - made
        _validate(self.model, [parts[i].whole() for i in sorted(made) if parts[i].fresh])
        _validate(self.taken, [parts[i].columns() for i in sorted(taken) if parts[i].fresh])
        if all(cut.kind == MADE for cut in cuts):  # pyarrow's own file, as it writes it
            sizes = self._encoded(parts, cuts, Planned.whole, self.schema, path)
            records = [[c.key, c.alike, *size] for c, size in zip(cuts, sizes, strict=True)]
            return self._entry(parts, path, checksums.sha256(path), records)
        columns = pa.schema([self.schema.field(name) for name in self.names])
        encoded = {}
        for kind, table, schema in (
            (MADE, Planned.whole, self.schema),
            (TAKEN, Planned.columns, columns),
        ):
            chosen = [cut for cut in cuts if cut.kind == kind]
            sink = pa.BufferOutputStream()
            sizes = self._encoded(parts, chosen, table, schema, sink) if chosen else []
            encoded[kind] = (Parquet(sink.getvalue().to_pybytes()) if chosen else None, sizes)
        at = tuple(self.schema.get_field_index(name) for name in self.names)
        groups, records, seen = [], [], {MADE: 0, TAKEN: 0}
        for cut in cuts:
            if cut.kind == COPIED:
                groups.append(RowGroup(cut.file, cut.index))
                records.append([cut.key, cut.alike, *cut.record[2:]])
                continue
            file, sizes = encoded[cut.kind]
            nbytes, taken_nbytes = sizes[seen[cut.kind]]
            if cut.kind == MADE:
                groups.append(RowGroup(file, seen[MADE]))
            else:  # the rows' other columns, as they were
                groups.append(RowGroup(cut.file, cut.index, file, seen[TAKEN], at))
                nbytes += cut.record[2] - cut.record[3]
            records.append([cut.key, cut.alike, nbytes, taken_nbytes])
            seen[cut.kind] += 1
        sha256 = hashlib.sha256()
        with path.open("wb") as out:
            for piece in assemble(groups):
                out.write(piece)
                sha256.update(piece)
        return self._entry(parts, path, sha256.hexdigest(), records)

    @staticmethod
    def _entry(parts: list[Planned], path: Path, sha256: str, records: list) -> dict:
        """A written file's entry: its rows, bytes (in memory), SHA-256 and row groups."""
        nbytes = sum(record[2] for record in records)
        entry = {"path": path, "rows": sum(p.rows for p in parts), "nbytes": nbytes}
        return entry | {"sha256": sha256, "row_groups": records}

    def _cut(self, parts: list[Planned], rows: list[tuple[int, int, int]], files: dict):
        """A row group of `parts` (`rows`: each part's index, first and end row), its keys,
        and where the last release holds it (or its rows but the taken columns), if it
        does; `files` holds the release's files read so far, by name."""
        key = _digest(self.stamp, *(f"{parts[i].part.digest}:{a}:{b}" for i, a, b in rows))
        names = [parts[i].part.rows for i, *_ in rows]
        alike = None
        if None not in names:
            bounds = (f"{n}:{a}:{b}" for n, (_, a, b) in zip(names, rows, strict=True))
            alike = _digest(self.stamp, *bounds)
        for kind, where, name in ((COPIED, self.where, key), (TAKEN, self.alike, alike)):
            if name not in where:
                continue
            entry, index = where[name]
            if entry["name"] not in files:
                files[entry["name"]] = self._file(entry)
            if files[entry["name"]] is not None:
                record = entry["row_groups"][index]
                return Cut(rows, key, alike, kind, files[entry["name"]], index, record)
        return Cut(rows, key, alike, MADE)

    def _file(self, entry: dict) -> Parquet | None:
        """The last release's file of `entry`, mapped (its chunks are written from the page
        cache, never copied in), if it is there as it was written."""
        path = self.old / entry["name"]
        if not checksums.as_written(path, entry):
            return None
        try:
            with path.open("rb") as file:
                return Parquet(mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ))
        except (OSError, ValueError, SpliceError):  # ValueError: an empty file
            return None

    def _encoded(self, parts, cuts, table, schema: pa.Schema, sink) -> list[tuple[int, int]]:
        """Write the `cuts`' rows (each part's `table`) to `sink` as Parquet, a row group
        each; return each row group's bytes (in memory) and its taken columns'."""
        sizes = []
        with pq.ParquetWriter(sink, schema, **PARQUET) as writer:
            for cut in cuts:
                slices = [table(parts[i]).slice(a, b - a) for i, a, b in cut.rows]
                batch = pa.concat_tables(slices).combine_chunks().cast(schema)
                writer.write_table(batch, row_group_size=batch.num_rows)
                sizes.append((batch.nbytes, batch.select(self.names).nbytes))
        return sizes

    @property
    def rows(self) -> int:
        """The most rows a row group holds."""
        return self.meta["row_group_rows"]


COPIED, TAKEN, MADE = "copied", "taken", "made"


@dataclass(frozen=True)
class Cut:
    """A row group to write: its `rows` (each part's index, first and end row), `key` and
    `alike` (digests of the stamp and its parts' digests or `rows`, with those bounds),
    how it is written (`kind`) and, unless made, the last release's `file` and `index` of
    the row group it copies and its `record` there (key, alike, bytes, taken bytes)."""

    rows: list[tuple[int, int, int]]
    key: str
    alike: str | None
    kind: str
    file: Parquet | None = None
    index: int = 0
    record: list | None = None


def _stamp(config: str, schema: pa.Schema, meta: dict) -> str:
    """What every shard of a config also depends on: the schema, row groups, code."""
    from pipeline.parts import code_digest

    layout = (meta["row_group_rows"], meta["shard_max_bytes"], meta["shard_parts"])
    return repr((config, schema.serialize().to_pybytes(), layout, code_digest()))


def _reused(files: list[dict] | None, old: Path, data: Path, prefix: str) -> list[dict] | None:
    """The recorded `files` of a shard group, linked into `data` (named from `prefix`), if
    each is in the release at `old` as it was written."""
    if not files or not all(checksums.as_written(old / entry["name"], entry) for entry in files):
        return None
    linked = []
    for entry in files:
        path = data / f"{prefix}.{len(linked)}.parquet"
        os.link(old / entry["name"], path)
        kept = {k: entry[k] for k in ("rows", "nbytes", "sha256")}
        linked.append(kept | {"path": path, "row_groups": entry.get("row_groups", [])})
    return linked


def _validate(model, tables: list[pa.Table]) -> None:
    """Check every row of `tables` against `model`, VALIDATE_ROWS at a time."""
    for batch in batches(tables, VALIDATE_ROWS):
        validate(model, batch)


def _write(group, model, schema, data: Path, meta: dict, prefix: str) -> list[dict]:
    """Write a group of parts' rows as one shard, or several if they pass `max_bytes`. The
    rows of parts not seen before are validated (those of the other parts were, then)."""
    tables = [(planned.whole(), planned.fresh) for planned in group]
    _validate(model, [table for table, fresh in tables if fresh])
    files, writer, size = [], None, 0
    try:
        for batch in batches((table for table, _ in tables), meta["row_group_rows"]):
            batch = batch.cast(schema)
            if writer is None or size + batch.nbytes > meta["shard_max_bytes"]:
                if writer is not None:
                    writer.close()
                path = data / f"{prefix}.{len(files)}.parquet"
                files.append({"path": path, "rows": 0, "nbytes": 0})
                writer, size = pq.ParquetWriter(files[-1]["path"], schema, **PARQUET), 0
            writer.write_table(batch, row_group_size=meta["row_group_rows"])
            size += batch.nbytes
            files[-1]["rows"] += batch.num_rows
            files[-1]["nbytes"] += batch.nbytes
        if writer is None:  # no row: one shard with no row group
            files.append({"path": data / f"{prefix}.0.parquet", "rows": 0, "nbytes": 0})
            writer = pq.ParquetWriter(files[-1]["path"], schema, **PARQUET)
    finally:
        if writer is not None:
            writer.close()
    for entry in files:
        entry["sha256"] = checksums.sha256(entry["path"])
    return files
