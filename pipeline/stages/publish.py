"""The publish stage: dist/abstracts as a Hugging Face dataset folder, all or nothing."""

import json
from pathlib import Path

from pipeline.io import atomic_dir, write_json, write_text
from pipeline.release import card, checksums
from pipeline.release.croissant import croissant
from pipeline.release.layout import CONFIGS, published_schema
from pipeline.release.shards import write_shards


def sources(dedup: Path, parsed: Path) -> dict[str, Path]:
    """The interim table each config is published from."""
    return {
        "default": dedup / "abstracts.parquet",
        "occurrences": dedup / "occurrences.parquet",
        "rejects": parsed / "rejects.parquet",
    }


def run(
    dedup: Path,
    parsed: Path,
    stats: dict,
    changelog: str,
    out: Path,
    meta: dict,
) -> dict[str, int]:
    """Publish the three configs to `out`; return their row counts.

    `meta` is the `publish:` section of the params; `stats` the parse and dedup metrics.
    """
    schemas = {config: published_schema(config, meta["version"]) for config in CONFIGS}
    rows, sizes = {}, {}
    with atomic_dir(out) as tmp:
        for config, path in sources(dedup, parsed).items():
            written = write_shards(
                path,
                CONFIGS[config],
                schemas[config],
                tmp,
                config,
                meta["shard_max_bytes"],
                meta["row_group_rows"],
            )
            rows[config] = written.rows
            sizes[config] = (written.nbytes, sum((tmp / s).stat().st_size for s in written.names))
        digests = {name: checksums.sha256(tmp / name) for name in checksums.files(tmp)}  # data
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
