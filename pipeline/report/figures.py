"""The figures of a release, computed once for the HTML report, DVC plots and `stats`."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.release.reader import config_tables, version
from schemas import FLAGS

LENGTH_BIN = 25  # words


@dataclass(frozen=True)
class Figures:
    """Counts, distributions and examples of one release."""

    version: str
    counts: dict[str, int]
    sources: dict[str, dict[str, int]]
    reasons: dict[str, int]
    flags: dict[str, int]
    lengths: dict[int, int]  # lower bound of a LENGTH_BIN-word bin -> abstracts
    matches: dict[str, int]


def _counts(column: pa.ChunkedArray | pa.Array) -> dict:
    """How often each value occurs, counted by Arrow."""
    return {row["values"]: row["counts"] for row in pc.value_counts(column).to_pylist()}


def _sum(column: pa.ChunkedArray | pa.Array) -> int:
    return pc.sum(column).as_py() or 0


def _tally(release: Path, config: str, columns: list[str]) -> tuple[int, dict[str, Counter]]:
    """The rows of one config and how often each value of its `columns` occurs."""
    rows, counts = 0, {column: Counter() for column in columns}
    for table in config_tables(release, config, columns):
        rows += table.num_rows
        for column in columns:
            counts[column].update(_counts(table.column(column)))
    return rows, counts


def figures(release: Path) -> Figures:
    """The figures of the release in folder `release`, read a shard at a time (only the
    columns they need): memory does not grow with the release."""
    found = version(release)
    abstracts, duplicated, flags, lengths = 0, 0, Counter(dict.fromkeys(FLAGS, 0)), Counter()
    for table in config_tables(release, "default", ["n_words", "n_occurrences", *FLAGS]):
        abstracts += table.num_rows
        duplicated += _sum(pc.greater(table.column("n_occurrences"), 1))
        flags.update({flag: _sum(table.column(flag)) for flag in FLAGS})
        bins = pc.multiply(pc.divide(table.column("n_words"), LENGTH_BIN), LENGTH_BIN)
        lengths.update(_counts(bins))
    occurrences, of_occurrences = _tally(release, "occurrences", ["source", "match"])
    rejects, of_rejects = _tally(release, "rejects", ["source", "reason"])
    sources: dict[str, dict[str, int]] = {}
    for kind, counted in (("occurrences", of_occurrences), ("rejects", of_rejects)):
        for source, n in counted["source"].items():
            sources.setdefault(source, {"occurrences": 0, "rejects": 0})[kind] = n
    return Figures(
        version=found,
        counts={
            "abstracts": abstracts,
            "occurrences": occurrences,
            "rejects": rejects,
            "sources": len(sources),
            "with duplicates": duplicated,
        },
        sources=dict(sorted(sources.items())),
        reasons=dict(sorted(of_rejects["reason"].items())),
        flags=dict(flags),
        lengths=dict(sorted(lengths.items())),
        matches=dict(sorted(of_occurrences["match"].items())),
    )
