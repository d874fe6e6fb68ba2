"""The publish stage: dist/abstracts as a Hugging Face dataset folder, all or nothing."""

import functools
import json
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq

from pipeline import parts
from pipeline.io import atomic_dir, read_state, write_json, write_state, write_text
from pipeline.links import TAKEN, part_digest
from pipeline.parallel import ordered_map, workers
from pipeline.parts import REJECTS
from pipeline.release import card, checksums, history
from pipeline.release.assemble import linked_parts
from pipeline.release.croissant import croissant
from pipeline.release.history import Release, data_sha256
from pipeline.release.layout import CONFIGS, published_schema
from pipeline.release.reader import ReleaseError
from pipeline.release.shards import Part, write_config


def _rejects(parsed: Path) -> list[Part]:
    """The rejects of each parse part, in part order."""
    found = []
    for entry, path in zip(parts.index(parsed), parts.paths(parsed, REJECTS), strict=True):
        digest = part_digest("rejects", entry["part"])
        found.append(Part(digest, entry["source"], functools.partial(pq.read_table, path)))
    return found


def _config(config: str, inputs: dict, schemas: dict, tmp: Path, out: Path, meta, state: dict):
    """Write one config's shards under `tmp`, keeping those of the release at `out` that
    are made from the same parts (as `state` records)."""
    found = _rejects(inputs["parsed"]) if config == "rejects" else linked_parts(config, inputs)
    kept = state.get(config, {})
    model, schema, taken = CONFIGS[config], schemas[config], TAKEN.get(config)
    return write_config(found, model, schema, tmp, config, meta, out, kept, taken)


def run(
    inputs: dict[str, Path],
    stats: dict,
    changelog: str,
    out: Path,
    meta: dict,
    processes: int = 1,
    releases: Path | None = None,
    shards: Path | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Publish the three configs to `out`; return their row counts.

    `inputs` are the folders of parse, normalize and dedup (keys `parsed`,
    `normalized`, `dedup`); `meta` the `publish:` section of the params; `stats` the parse
    and dedup metrics. Configs are written in `processes` processes (0: one per core).
    `out` is left as it was if there is no abstract, or if `releases` (the history of
    released versions) holds the version with other data. `shards` keeps what each shard
    was made from, so that the next run links the shards that would be the same (none: all
    are written). `meanwhile` runs in a thread of this process while the configs are
    written in the others (see `pipeline.parallel.mapper`).
    """
    if not stats["abstracts"]:
        raise ReleaseError(
            f"no abstract to publish: the {stats['files']} files in raw/ hold none "
            f"({stats['rejects']} rejects); add dumps to raw/. {out} is left as it was"
        )
    schemas = {config: published_schema(config) for config in CONFIGS}
    rows, sizes = {}, {}
    with atomic_dir(out) as tmp:
        kept = read_state(shards) if shards else {}
        write = partial(
            _config, inputs=inputs, schemas=schemas, tmp=tmp, out=out, meta=meta, state=kept
        )
        done = ordered_map(write, CONFIGS, workers(processes, len(CONFIGS)), meanwhile)
        digests, state = {}, {}
        for config, written in zip(CONFIGS, done, strict=True):
            rows[config] = written.rows
            sizes[config] = (written.nbytes, sum((tmp / s).stat().st_size for s in written.names))
            digests |= written.sha256
            state[config] = written.state
        for left in (tmp / "data").glob(".*"):  # what a config's lost attempt left
            shutil.rmtree(left, ignore_errors=True)
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
    if shards:
        write_state(shards, state)
    return rows


def load_stats(*paths: Path) -> dict:
    """The metrics files merged into one mapping."""
    merged = {}
    for path in paths:
        merged |= json.loads(path.read_text(encoding="utf-8"))
    return merged
