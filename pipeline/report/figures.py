"""The figures of a release, computed once for the HTML report, DVC plots and `stats`."""

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

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


def _counts(column: pa.ChunkedArray) -> dict:
    """How often each value occurs, counted by Arrow."""
    return {row["values"]: row["counts"] for row in pc.value_counts(column).to_pylist()}


def _sum(column: pa.ChunkedArray | pa.Array) -> int:
    return pc.sum(column).as_py() or 0


def figures(version: str, abstracts: pa.Table, occurrences: pa.Table, rejects: pa.Table) -> Figures:
    sources: dict[str, dict[str, int]] = {}
    for kind, table in (("occurrences", occurrences), ("rejects", rejects)):
        for source, n in _counts(table.column("source")).items():
            sources.setdefault(source, {"occurrences": 0, "rejects": 0})[kind] = n
    bins = pc.multiply(pc.divide(abstracts.column("n_words"), LENGTH_BIN), LENGTH_BIN)
    return Figures(
        version=version,
        counts={
            "abstracts": abstracts.num_rows,
            "occurrences": occurrences.num_rows,
            "rejects": rejects.num_rows,
            "sources": len(sources),
            "with duplicates": _sum(pc.greater(abstracts.column("n_occurrences"), 1)),
        },
        sources=dict(sorted(sources.items())),
        reasons=dict(sorted(_counts(rejects.column("reason")).items())),
        flags={flag: _sum(abstracts.column(flag)) for flag in FLAGS},
        lengths=dict(sorted(_counts(bins).items())),
        matches=dict(sorted(_counts(occurrences.column("match")).items())),
    )
