"""Write a config as Parquet shards, deterministically, in bounded memory, keeping the
shards of the last release whose rows did not change.

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
"""

import hashlib
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
from schemas.derive import validate

# Rows validated at a time (Pandera's cost is mostly a fixed few ms a call).
VALIDATE_ROWS = 50_000
# A shard may end once it holds 1/FILL of shard_max_bytes or FILL * shard_parts parts.
FILL = 4


@dataclass(frozen=True)
class Part:
    """A part's rows of a config: `digest` names what they are made from, `source` is its
    raw file, `build` makes them."""

    digest: str
    source: str
    build: Callable[[], pa.Table]


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


def write_config(
    parts: list[Part],
    model,
    schema: pa.Schema,
    folder: Path,
    config: str,
    meta: dict,
    old: Path,
    state: dict,
) -> Shards:
    """Validate the rows of `parts` against `model` and write them as `schema` under
    folder/data/<config>/, in row groups of `meta["row_group_rows"]` rows, in shards cut
    as the module says; shards made from the same parts as a shard of the release in
    `old` (as `state`, this config's part of `Shards.state` then, records) are linked
    from there."""
    with atomic_dir(folder / "data" / config, retried=True) as data:
        return _write_config(parts, model, schema, data, config, meta, old, state)


def _write_config(parts, model, schema: pa.Schema, data: Path, config, meta, old, state):
    """`write_config` into `data`, this attempt's own folder (a Ray task may run twice at
    once), which then replaces folder/data/<config>/. Shards are written in threads while
    the next ones are planned."""
    stamp = _stamp(config, schema, meta)
    groups, kept = state.get("groups", {}), {"parts": {}, "groups": {}}

    def made(item: tuple[int, tuple[str, list]]) -> tuple[str, list[dict]]:
        at, (key, group) = item
        files = _reused(groups.get(key), old, data, f".{at}")
        return key, files or _write(group, model, schema, data, meta, f".{at}")

    planned = _planned(parts, stamp, state.get("parts", {}), kept["parts"], meta)
    written = []
    for key, files in threaded(made, enumerate(planned)):
        kept["groups"][key] = files
        written.extend(files)
    names = [shard(config, i, len(written)) for i in range(len(written))]
    for entry, name in zip(written, names, strict=True):
        path = data / Path(name).name
        os.replace(entry.pop("path"), path)
        entry["name"] = name
        stat = path.stat()
        entry["size"], entry["mtime_ns"] = stat.st_size, stat.st_mtime_ns
    rows, nbytes = sum(e["rows"] for e in written), sum(e["nbytes"] for e in written)
    sha256 = {e["name"]: e["sha256"] for e in written}
    return Shards(names, rows, nbytes, sha256, kept)


def _planned(parts: list[Part], stamp: str, known: dict, sizes: dict, meta: dict) -> Iterator:
    """The shard groups of `parts`, as the module says, each with its key: the parts, with
    their tables if `known` (each part's size by digest, as the last run recorded) does not
    hold them, so that they were built to be sized. Each part's size is put in `sizes`."""
    group, size, most = [], 0, meta["shard_max_bytes"]
    for part in parts:
        table, fresh = None, part.digest not in known
        if fresh:
            table = part.build()
        nbytes = sizes[part.digest] = table.nbytes if fresh else known[part.digest]
        if group and size + nbytes > most:
            yield _keyed(stamp, group)
            group, size = [], 0
        group.append((part, table, fresh))
        size += nbytes
        full = size >= most // FILL or len(group) >= FILL * meta["shard_parts"]
        if full and ends_shard(part.source, meta["shard_parts"]):
            yield _keyed(stamp, group)
            group, size = [], 0
    if group or not parts:
        yield _keyed(stamp, group)


def _keyed(stamp: str, group: list) -> tuple[str, list]:
    """A shard group with its key: a digest of `stamp` and of its parts' digests."""
    key = "\0".join([stamp, *(part.digest for part, *_ in group)])
    return hashlib.blake2b(key.encode()).hexdigest(), group


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
        linked.append({k: entry[k] for k in ("rows", "nbytes", "sha256")} | {"path": path})
    return linked


def _write(group, model, schema, data: Path, meta: dict, prefix: str) -> list[dict]:
    """Write a group of parts' rows as one shard, or several if they pass `max_bytes`. The
    rows of parts not seen before are validated (those of the other parts were, then)."""
    tables = [(part.build() if table is None else table, fresh) for part, table, fresh in group]
    for batch in batches((table for table, fresh in tables if fresh), VALIDATE_ROWS):
        validate(model, batch)
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
