"""The dedup stage: which abstract each normalized occurrence is a copy of.

It decides and does not copy: out/links.parquet holds, for every occurrence in part
order, its abstract's id, how it matched, whether it is the canonical copy, and the
abstract's derived columns. Publish joins the links to the normalized parts. Memory holds
only what grouping needs: each distinct dedup key once, and each occurrence's LSH bands and
a few numbers.
"""

import os
from collections import Counter
from collections.abc import Callable
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
from pipeline.parallel import mapper, workers
from schemas import FLAGS, MATCH_KINDS, Links, NormalizedOccurrences
from schemas.derive import arrow_schema

LINKS = "links.parquet"
# The flags that normalize computed; dedup derives the others (schemas.abstracts.Grouped).
TEXT_FLAGS = tuple(f for f in FLAGS if f in arrow_schema(NormalizedOccurrences).names)
# What decides which copy of a group is canonical, in order, before the text itself.
RANK = ("is_truncated", "has_lost_characters", "is_legacy_decoded", "minus_chars")


@dataclass
class Rows:
    """What grouping needs of every occurrence, in part order."""

    distinct: list[str]  # the distinct dedup keys, sorted
    key: np.ndarray  # each row's key, as an index into `distinct`
    bands: np.ndarray  # each row's LSH band hashes
    values: dict[str, np.ndarray]  # the text flags, n_words, minus_chars, is_legacy_decoded
    offsets: np.ndarray  # part p holds rows offsets[p]:offsets[p + 1]

    @classmethod
    def load(cls, files: list[Path], bands: int) -> "Rows":
        names = (*TEXT_FLAGS, "n_words", "n_chars", "encoding")
        seen: dict[str, int] = {}  # each distinct key, numbered as first seen
        key, lsh, sizes = [], [], [0]
        values = {name: [] for name in (*TEXT_FLAGS, "n_words", "is_legacy_decoded", "minus_chars")}
        for path in files:
            table = pq.read_table(path, columns=["key", "lsh", *names])
            key += [seen.setdefault(k, len(seen)) for k in table.column("key").to_pylist()]
            lsh.append(pc.list_flatten(table.column("lsh")).to_numpy().reshape(-1, bands))
            got = {name: table.column(name).to_numpy(zero_copy_only=False) for name in names}
            got["is_legacy_decoded"] = got.pop("encoding") != "utf-8"
            got["minus_chars"] = -got.pop("n_chars")
            for name, array in got.items():
                values[name].append(array)
            sizes.append(table.num_rows)
        distinct = sorted(seen)
        rank = np.array([seen[k] for k in distinct], dtype=np.int64).argsort()
        return cls(
            distinct,
            rank[np.array(key, dtype=np.int64)],
            np.concatenate(lsh) if lsh else np.empty((0, bands), np.uint64),
            {n: np.concatenate(v) if v else np.empty(0, np.int64) for n, v in values.items()},
            np.cumsum(sizes),
        )


def groups(rows: Rows, params: DedupParams, pmap: Callable) -> np.ndarray:
    """For each row, the index (into the distinct keys) of its group's root."""
    first = np.empty(len(rows.distinct), dtype=np.int64)
    first[rows.key] = np.arange(len(rows.key))
    roots = cluster(rows.distinct, params, rows.bands[first], pmap)
    return np.array(roots, dtype=np.int64)[rows.key]


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


def canonical(files: list[Path], rows: Rows, group: np.ndarray) -> np.ndarray:
    """Each row's canonical row, the copy its abstract holds: complete over truncated,
    intact over characters lost, UTF-8 over legacy-decoded, longer over shorter, then the
    smallest text, so the choice depends on the texts only, never on file names."""
    rank = [rows.values[name] for name in reversed(RANK)]
    order = np.lexsort([*rank, group])
    if not len(order):
        return order
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
    by_root = np.zeros(group.max() + 1, dtype=np.int64)
    by_root[list(best)] = list(best.values())
    return by_root[group]


def run(
    normalized: Path,
    out: Path,
    metrics: Path,
    params: DedupParams,
    lengths: tuple[int, int],
    processes: int = 1,
) -> dict:
    """Link every normalized occurrence to its abstract in out/links.parquet; candidate
    pairs are verified in `processes` processes (0: one per core)."""
    files = parts.paths(normalized, parts.OCCURRENCES)
    with mapper(workers(processes, os.cpu_count() or 1)) as pmap:  # workers forked while small
        rows = Rows.load(files, params.bands)
        group = groups(rows, params, pmap)
    best = canonical(files, rows, group)
    n, keys = len(rows.key), rows.distinct
    is_canonical = best == np.arange(n)
    heads = np.flatnonzero(is_canonical)
    ids = {
        root: stable_id(keys[k])
        for root, k in zip(group[heads].tolist(), rows.key[heads].tolist(), strict=True)
    }
    sources = np.repeat(np.arange(len(files)), np.diff(rows.offsets))
    distinct = np.unique(np.column_stack([group, sources]), axis=0) if n else np.empty((0, 2))
    derived = {
        "n_occurrences": np.bincount(group, minlength=n)[group],
        "n_sources": np.bincount(distinct[:, 0].astype(np.int64), minlength=n)[group],
        **dict(
            zip(
                ("is_too_short", "is_too_long"),
                length_flags(rows.values["n_words"], *lengths),
                strict=True,
            )
        ),
        "is_legacy_decoded": rows.values["is_legacy_decoded"],
    }
    derived = {name: values[best] for name, values in derived.items()}
    matches = Counter({kind: 0 for kind in MATCH_KINDS})
    with atomic_dir(out) as tmp, ValidatedWriter(tmp / LINKS, Links) as links:
        for start in range(0, n, links.batch_rows):
            span = slice(start, min(start + links.batch_rows, n))
            own, head = rows.key[span].tolist(), rows.key[best[span]].tolist()
            match = [match_kind(keys[a], keys[b]) for a, b in zip(own, head, strict=True)]
            matches.update(match)
            columns = {
                "abstract_id": [ids[root] for root in group[span].tolist()],
                "match": match,
                "is_canonical": is_canonical[span],
                **{name: values[span] for name, values in derived.items()},
            }
            links.write(pa.Table.from_pydict(columns, schema=arrow_schema(Links)))
    flags = {**{name: rows.values[name] for name in TEXT_FLAGS}, **derived}
    group_sizes = Counter(derived["n_occurrences"][heads].tolist())
    summary = {
        "abstracts": len(heads),
        "occurrences": n,
        "groups_with_duplicates": sum(n for size, n in group_sizes.items() if size > 1),
        "largest_group": max(group_sizes, default=0),
        "group_sizes": {str(size): n for size, n in sorted(group_sizes.items())},
        "matches": dict(sorted(matches.items())),
        "flags": {flag: int(flags[flag][heads].sum()) for flag in FLAGS},
    }
    write_json(metrics, summary)
    return summary
