"""The dedup stage: one row per abstract, and every occurrence linked to its abstract."""

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core import enrich
from pipeline.core.dedup import DedupParams, cluster, dedup_key, match_kind, stable_id
from pipeline.core.flags import length_flags
from pipeline.io import atomic_dir, write_json, write_parquet
from schemas import MATCH_KINDS, Abstracts, Occurrences, ParsedOccurrences
from schemas.derive import arrow_schema, validate


def _rank(row: dict) -> tuple:
    """Sort key of a group's copies; the first is canonical. Complete over truncated, then
    intact over characters lost, UTF-8 over legacy-decoded, longer over shorter, and the
    text itself last, so the choice depends on the texts only, never on file names."""
    return (
        row["is_truncated"],
        row["has_lost_characters"],
        row["encoding"] != "utf-8",
        -len(row["text"]),
        row["text"],
    )


def abstract_row(canonical: dict, members: list[dict], lengths: tuple[int, int]) -> dict:
    """The `abstracts` row of a group, from its canonical copy and all its members."""
    text = canonical["text"]
    n_words = len(text.split())
    too_short, too_long = length_flags(n_words, *lengths)
    urls = enrich.urls(text)
    releases = enrich.releases(text, urls)
    return {
        "id": stable_id(dedup_key(text)),
        "text": text,
        "is_truncated": canonical["is_truncated"],
        "n_occurrences": len(members),
        "n_sources": len({m["source"] for m in members}),
        "has_lost_characters": canonical["has_lost_characters"],
        "has_math": canonical["has_math"],
        "is_too_short": too_short,
        "is_too_long": too_long,
        "is_legacy_decoded": canonical["encoding"] != "utf-8",
        "n_words": n_words,
        "n_chars": len(text),
        "urls": urls,
        "code_repositories": enrich.code_repositories(urls),
        **{f"releases_{artifact}": found for artifact, found in releases.items()},
    }


def run(normalized: Path, out: Path, metrics: Path, params: DedupParams,
        lengths: tuple[int, int]) -> dict:
    """Group normalized occurrences into out/abstracts.parquet and out/occurrences.parquet."""
    rows = pq.read_table(normalized / "occurrences.parquet").to_pylist()
    keys = [dedup_key(row["text"]) for row in rows]
    distinct = sorted(set(keys))
    position = {key: i for i, key in enumerate(distinct)}
    roots = cluster(distinct, params)
    groups: dict[int, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(roots[position[key]], []).append(i)

    abstracts, occurrences = [], []
    for members in groups.values():
        best = min(members, key=lambda i: _rank(rows[i]))
        abstract = abstract_row(rows[best], [rows[i] for i in members], lengths)
        abstracts.append(abstract)
        for i in members:
            occurrence = {name: rows[i][name] for name in arrow_schema(ParsedOccurrences).names}
            occurrence["abstract_id"] = abstract["id"]
            occurrence["match"] = match_kind(keys[i], keys[best])
            occurrences.append(occurrence)
    abstracts.sort(key=lambda row: row["id"])
    occurrences.sort(key=lambda row: (row["source"], row["byte_start"]))

    with atomic_dir(out) as tmp:
        for name, model, table_rows in (
            ("abstracts", Abstracts, abstracts),
            ("occurrences", Occurrences, occurrences),
        ):
            table = pa.Table.from_pylist(table_rows, schema=arrow_schema(model))
            validate(model, table)
            write_parquet(table, tmp / f"{name}.parquet")
    sizes = Counter(len(members) for members in groups.values())
    matches = Counter({kind: 0 for kind in MATCH_KINDS})
    matches.update(o["match"] for o in occurrences)
    summary = {
        "abstracts": len(abstracts),
        "occurrences": len(occurrences),
        "distinct_keys": len(distinct),
        "groups_with_duplicates": sum(n for size, n in sizes.items() if size > 1),
        "largest_group": max(sizes, default=0),
        "group_sizes": {str(size): n for size, n in sorted(sizes.items())},
        "matches": dict(sorted(matches.items())),
        "flags": {
            flag: sum(row[flag] for row in abstracts)
            for flag in ("is_truncated", "has_lost_characters", "has_math", "is_too_short",
                         "is_too_long", "is_legacy_decoded", "releases_code", "releases_data",
                         "releases_models")
        },
    }
    write_json(metrics, summary)
    return summary
