"""The publish stage: dist/abstracts as a Hugging Face dataset folder, all or nothing."""

import json
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io import atomic_dir, write_json, write_text
from pipeline.parallel import ordered_map, workers
from pipeline.parts import LINKS, REJECTS
from pipeline.release import card, checksums, history
from pipeline.release.assemble import tables
from pipeline.release.croissant import croissant
from pipeline.release.history import Release, data_sha256
from pipeline.release.layout import CONFIGS, published_schema
from pipeline.release.reader import ReleaseError
from pipeline.release.shards import Shards, write_shards


def _rows(path: Path, rows: int):
    """The table at `path`, `rows` rows at a time."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
        yield pa.Table.from_batches([batch])


def _config(
    config: str, inputs: dict[str, Path], schemas: dict[str, pa.Schema], out: Path, meta: dict
) -> Shards:
    """Write one config's shards under `out`."""
    if config == "rejects":
        source = _rows(inputs["parsed"] / REJECTS, meta["row_group_rows"])
    else:
        source = tables(config, inputs["normalized"], inputs["dedup"] / LINKS)
    return write_shards(
        source,
        CONFIGS[config],
        schemas[config],
        out,
        config,
        meta["shard_max_bytes"],
        meta["row_group_rows"],
    )


def run(
    inputs: dict[str, Path],
    stats: dict,
    changelog: str,
    out: Path,
    meta: dict,
    processes: int = 1,
    releases: Path | None = None,
) -> dict[str, int]:
    """Publish the three configs to `out`; return their row counts.

    `inputs` are the folders of the parse, normalize and dedup stages (keys `parsed`,
    `normalized`, `dedup`); `meta` the `publish:` section of the params; `stats` the parse
    and dedup metrics. Configs are written in `processes` processes (0: one per core).
    `out` is left as it was if there is no abstract, or if `releases` (the history of
    released versions) holds the version with other data.
    """
    if not stats["abstracts"]:
        raise ReleaseError(
            f"no abstract to publish: the {stats['files']} files in raw/ hold none "
            f"({stats['rejects']} rejects); add dumps to raw/. {out} is left as it was"
        )
    schemas = {config: published_schema(config, meta["version"]) for config in CONFIGS}
    rows, sizes = {}, {}
    with atomic_dir(out) as tmp:
        write = partial(_config, inputs=inputs, schemas=schemas, out=tmp, meta=meta)
        done = ordered_map(write, CONFIGS, workers(processes, len(CONFIGS)))
        for config, written in zip(CONFIGS, done, strict=True):
            rows[config] = written.rows
            sizes[config] = (written.nbytes, sum((tmp / s).stat().st_size for s in written.names))
        digests = {name: checksums.sha256(tmp / name) for name in checksums.files(tmp)}  # data
        if releases:
            release = Release(meta["version"], meta["date_published"], data_sha256(digests))
            history.check(releases, release)
        write_text(
            tmp / "README.md",
            card.front_matter(meta, schemas, rows, sizes)
            + card.body(meta, schemas, rows, stats, changelog),
        )
        write_json(
            tmp / "croissant.json",
            croissant(
                {
                    "name": "abstracts",
                    "description": f"{meta['pretty_name']}: research-paper abstracts parsed, "
                    "normalized and deduplicated from raw dumps, with every copy and reject.",
                    "version": meta["version"],
                    "datePublished": meta["date_published"],
                    "citeAs": card.citation(meta),
                    "license": meta["license"],
                    "url": meta["url"],
                },
                schemas,
                digests,
            ),
        )
        digests |= {name: checksums.sha256(tmp / name) for name in ("README.md", "croissant.json")}
        write_text(tmp / checksums.MANIFEST, checksums.manifest(digests))
    return rows


def load_stats(*paths: Path) -> dict:
    """The metrics files merged into one mapping."""
    merged = {}
    for path in paths:
        merged |= json.loads(path.read_text(encoding="utf-8"))
    return merged
