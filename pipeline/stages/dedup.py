"""The dedup stage: one row per abstract, and every occurrence linked to its abstract."""

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.dedup import DedupParams, cluster, match_kind, stable_id
from pipeline.core.flags import length_flags
from pipeline.io import atomic_dir, write_json, write_parquet
from schemas import FLAGS, MATCH_KINDS, Abstracts, Occurrences
from schemas.derive import arrow_schema, validate


def canonical_rank(is_truncated: bool, lost: bool, encoding: str, text: str) -> tuple:
    """Sort key of a group's copies; the first is canonical. Complete over truncated, then
    intact over characters lost, UTF-8 over legacy-decoded, longer over shorter, and the
    text itself last, so the choice depends on the texts only, never on file names."""
    return is_truncated, lost, encoding != "utf-8", -len(text), text


def groups(keys: list[str], params: DedupParams) -> list[int]:
    """For each row's dedup key, the index (into sorted distinct keys) of its group's root."""
    distinct = sorted(set(keys))
    position = {key: i for i, key in enumerate(distinct)}
    roots = cluster(distinct, params)
    return [roots[position[key]] for key in keys]


def run(
    normalized: Path, out: Path, metrics: Path, params: DedupParams, lengths: tuple[int, int]
) -> dict:
    """Group normalized occurrences into out/abstracts.parquet and out/occurrences.parquet."""
    table = pq.read_table(normalized / "occurrences.parquet")
    column = {
        name: table.column(name).to_pylist()
        for name in (
            "key",
            "text",
            "is_truncated",
            "has_lost_characters",
            "encoding",
            "source",
            "n_words",
        )
    }
    keys = column["key"]
    group = groups(keys, params)
    ranks = map(
        canonical_rank,
        column["is_truncated"],
        column["has_lost_characters"],
        column["encoding"],
        column["text"],
    )
    best: dict[int, tuple] = {}
    for row, (root, rank) in enumerate(zip(group, ranks, strict=True)):
        if root not in best or rank < best[root][0]:
            best[root] = (rank, row)
    canonical = {root: row for root, (_, row) in best.items()}
    ids = {root: stable_id(keys[row]) for root, row in canonical.items()}
    linked = {
        "abstract_id": [ids[root] for root in group],
        "match": [
            match_kind(key, keys[canonical[root]]) for key, root in zip(keys, group, strict=True)
        ],
    }
    occurrences = pa.Table.from_pydict(
        {n: linked[n] if n in linked else table.column(n) for n in arrow_schema(Occurrences).names},
        schema=arrow_schema(Occurrences),
    )

    roots = sorted(canonical, key=ids.get)
    rows = [canonical[root] for root in roots]
    counts = Counter(group)
    sources = {root: set() for root in roots}
    for root, source in zip(group, column["source"], strict=True):
        sources[root].add(source)
    too_short, too_long = (
        zip(*(length_flags(column["n_words"][r], *lengths) for r in rows), strict=True)
        if rows
        else ((), ())
    )
    canonical_features = table.take(rows)
    derived = {
        "id": [ids[root] for root in roots],
        "n_occurrences": [counts[root] for root in roots],
        "n_sources": [len(sources[root]) for root in roots],
        "is_too_short": list(too_short),
        "is_too_long": list(too_long),
        "is_legacy_decoded": [column["encoding"][r] != "utf-8" for r in rows],
    }
    schema = arrow_schema(Abstracts)
    abstracts = pa.Table.from_pydict(
        {n: derived[n] if n in derived else canonical_features.column(n) for n in schema.names},
        schema=schema,
    )
    with atomic_dir(out) as tmp:
        for name, model, result in (
            ("abstracts", Abstracts, abstracts),
            ("occurrences", Occurrences, occurrences),
        ):
            validate(model, result)
            write_parquet(result, tmp / f"{name}.parquet")
    return _summary(metrics, abstracts, occurrences, counts)


def _summary(metrics: Path, abstracts: pa.Table, occurrences: pa.Table, sizes: Counter) -> dict:
    """The dedup metrics: counts, group sizes, matches by kind and flag counts."""
    group_sizes = Counter(sizes.values())
    matches = Counter({kind: 0 for kind in MATCH_KINDS})
    matches.update(occurrences.column("match").to_pylist())
    summary = {
        "abstracts": abstracts.num_rows,
        "occurrences": occurrences.num_rows,
        "groups_with_duplicates": sum(n for size, n in group_sizes.items() if size > 1),
        "largest_group": max(group_sizes, default=0),
        "group_sizes": {str(size): n for size, n in sorted(group_sizes.items())},
        "matches": dict(sorted(matches.items())),
        "flags": {flag: sum(abstracts.column(flag).to_pylist()) for flag in FLAGS},
    }
    write_json(metrics, summary)
    return summary
