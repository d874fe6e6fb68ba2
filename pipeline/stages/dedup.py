"""The dedup stage: one row per abstract, and every occurrence linked to its abstract.

Memory holds only what grouping needs (each occurrence's dedup key, LSH bands and rank
fields); the tables are then written part by part.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import parts
from pipeline.core.dedup import DedupParams, cluster, match_kind, stable_id
from pipeline.core.flags import length_flags
from pipeline.io import ValidatedWriter, atomic_dir, write_json
from schemas import FLAGS, MATCH_KINDS, Abstracts, NormalizedOccurrences, Occurrences
from schemas.derive import arrow_schema

# What the output tables take from the normalized parts (grouping read the rest).
OUTPUT_COLUMNS = sorted(
    set(arrow_schema(Occurrences).names + arrow_schema(Abstracts).names)
    & set(arrow_schema(NormalizedOccurrences).names)
)
# What decides which copy of a group is canonical, in order, before the text itself.
RANK = ("is_truncated", "has_lost_characters", "is_legacy_decoded", "minus_chars")


@dataclass
class Rows:
    """What grouping needs of every occurrence, in part order."""

    keys: list[str]
    bands: np.ndarray
    rank: dict[str, np.ndarray]
    offsets: np.ndarray  # part p holds rows offsets[p]:offsets[p + 1]

    @classmethod
    def load(cls, files: list[Path], bands: int) -> "Rows":
        keys, lsh, rank, sizes = [], [], {name: [] for name in RANK}, [0]
        for path in files:
            table = pq.read_table(path, columns=["key", "lsh", *RANK[:2], "encoding", "n_chars"])
            keys += table.column("key").to_pylist()
            values = pc.list_flatten(table.column("lsh")).to_numpy()
            lsh.append(values.reshape(table.num_rows, bands))
            for name in RANK[:2]:
                rank[name].append(table.column(name).to_numpy(zero_copy_only=False))
            rank["is_legacy_decoded"].append(
                pc.not_equal(table.column("encoding"), "utf-8").to_numpy(zero_copy_only=False)
            )
            rank["minus_chars"].append(-table.column("n_chars").to_numpy())
            sizes.append(table.num_rows)
        return cls(
            keys,
            np.concatenate(lsh) if lsh else np.empty((0, bands), np.uint64),
            {name: np.concatenate(v) if v else np.empty(0, np.int64) for name, v in rank.items()},
            np.cumsum(sizes),
        )


def groups(rows: Rows, params: DedupParams) -> np.ndarray:
    """For each row, the index (into sorted distinct keys) of its group's root."""
    distinct = sorted(set(rows.keys))
    position = {key: i for i, key in enumerate(distinct)}
    where = np.array([position[key] for key in rows.keys], dtype=np.int64)
    first = np.empty(len(distinct), dtype=np.int64)
    first[where] = np.arange(len(where))
    roots = np.array(cluster(distinct, params, rows.bands[first]), dtype=np.int64)
    return roots[where] if len(where) else where


def texts(files: list[Path], rows: Rows, wanted: np.ndarray) -> dict[int, str]:
    """The clean texts of the `wanted` rows, read part by part."""
    found = {}
    part = np.searchsorted(rows.offsets, wanted, side="right") - 1
    for p in np.unique(part):
        chosen = wanted[part == p]
        column = pq.read_table(files[p], columns=["text"]).column("text")
        taken = column.take(chosen - rows.offsets[p]).to_pylist()
        found |= dict(zip(chosen.tolist(), taken, strict=True))
    return found


def canonical(files: list[Path], rows: Rows, group: np.ndarray) -> dict[int, int]:
    """Each group root's canonical row: complete over truncated, intact over characters
    lost, UTF-8 over legacy-decoded, longer over shorter, then the smallest text, so the
    choice depends on the texts only, never on file names."""
    rank = [rows.rank[name] for name in reversed(RANK)]
    order = np.lexsort([*rank, group])
    if not len(order):
        return {}
    ordered = np.column_stack([group, *rank])[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:, 0] != ordered[:-1, 0]])
    head = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    # Rows that tie with their group's head on every rank field: the text decides.
    tied = (ordered == ordered[head]).all(axis=1)
    tied &= np.bincount(head, weights=tied, minlength=len(order))[head] > 1
    best = dict(zip(ordered[starts, 0].tolist(), order[starts].tolist(), strict=True))
    contenders = order[tied]
    text = texts(files, rows, np.sort(contenders))
    for root, row in zip(group[contenders].tolist(), contenders.tolist(), strict=True):
        if (text[row], row) < (text[best[root]], best[root]):
            best[root] = row
    return best


def run(
    normalized: Path, out: Path, metrics: Path, params: DedupParams, lengths: tuple[int, int]
) -> dict:
    """Group normalized occurrences into out/abstracts.parquet and out/occurrences.parquet."""
    files = parts.paths(normalized, parts.OCCURRENCES)
    rows = Rows.load(files, params.bands)
    group = groups(rows, params)
    best = canonical(files, rows, group)
    ids = {root: stable_id(rows.keys[row]) for root, row in best.items()}
    sizes = np.bincount(group, minlength=len(rows.keys))
    part = np.repeat(np.arange(len(files)), np.diff(rows.offsets))
    pairs = np.unique(np.column_stack([group, part]), axis=0) if len(group) else np.empty((0, 2))
    n_sources = np.bincount(pairs[:, 0].astype(np.int64), minlength=len(rows.keys))
    is_canonical = np.zeros(len(rows.keys), dtype=bool)
    is_canonical[list(best.values())] = True
    matches = Counter({kind: 0 for kind in MATCH_KINDS})
    flags = Counter({flag: 0 for flag in FLAGS})
    with (
        atomic_dir(out) as tmp,
        ValidatedWriter(tmp / "abstracts.parquet", Abstracts) as abstracts,
        ValidatedWriter(tmp / "occurrences.parquet", Occurrences) as occurrences,
    ):
        for p, path in enumerate(files):
            table = pq.read_table(path, columns=OUTPUT_COLUMNS)
            span = range(rows.offsets[p], rows.offsets[p + 1])
            roots = group[span.start : span.stop].tolist()
            linked = {
                "abstract_id": [ids[root] for root in roots],
                "match": [
                    match_kind(rows.keys[row], rows.keys[best[root]])
                    for row, root in zip(span, roots, strict=True)
                ],
            }
            matches.update(linked["match"])
            occurrences.write(_table(Occurrences, table, linked))
            local = np.flatnonzero(is_canonical[span.start : span.stop])
            chosen = table.take(local)
            heads = [roots[i] for i in local.tolist()]
            short, long = _lengths(chosen.column("n_words").to_pylist(), lengths)
            derived = {
                "id": [ids[root] for root in heads],
                "n_occurrences": sizes[heads].tolist(),
                "n_sources": n_sources[heads].tolist(),
                "is_too_short": short,
                "is_too_long": long,
                "is_legacy_decoded": rows.rank["is_legacy_decoded"][span.start + local].tolist(),
            }
            written = _table(Abstracts, chosen, derived)
            abstracts.write(written)
            flags.update({flag: pc.sum(written.column(flag)).as_py() or 0 for flag in FLAGS})
    group_sizes = Counter(sizes[list(best)].tolist())
    summary = {
        "abstracts": len(best),
        "occurrences": len(rows.keys),
        "groups_with_duplicates": sum(n for size, n in group_sizes.items() if size > 1),
        "largest_group": max(group_sizes, default=0),
        "group_sizes": {str(size): n for size, n in sorted(group_sizes.items())},
        "matches": dict(sorted(matches.items())),
        "flags": dict(flags),
    }
    write_json(metrics, summary)
    return summary


def _lengths(n_words: list[int], lengths: tuple[int, int]) -> tuple[list[bool], list[bool]]:
    """The too-short and too-long flags of each count of words."""
    flags = [length_flags(n, *lengths) for n in n_words]
    return [short for short, _ in flags], [long for _, long in flags]


def _table(model, table: pa.Table, derived: dict) -> pa.Table:
    """`model`'s columns: the derived ones, and the others taken from `table`."""
    schema = arrow_schema(model)
    return pa.Table.from_pydict(
        {n: derived[n] if n in derived else table.column(n) for n in schema.names}, schema=schema
    )
