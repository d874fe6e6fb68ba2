"""The figures of a release, computed once for the HTML report, DVC plots and `stats`."""

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

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


def figures(version: str, abstracts: pa.Table, occurrences: pa.Table, rejects: pa.Table) -> Figures:
    sources: dict[str, dict[str, int]] = {}
    for kind, table in (("occurrences", occurrences), ("rejects", rejects)):
        for source, n in Counter(table.column("source").to_pylist()).items():
            sources.setdefault(source, {"occurrences": 0, "rejects": 0})[kind] = n
    words = abstracts.column("n_words").to_pylist()
    return Figures(
        version=version,
        counts={
            "abstracts": abstracts.num_rows,
            "occurrences": occurrences.num_rows,
            "rejects": rejects.num_rows,
            "sources": len(sources),
            "with duplicates": sum(n > 1 for n in abstracts.column("n_occurrences").to_pylist()),
        },
        sources=dict(sorted(sources.items())),
        reasons=dict(sorted(Counter(rejects.column("reason").to_pylist()).items())),
        flags={flag: sum(abstracts.column(flag).to_pylist()) for flag in FLAGS},
        lengths=dict(sorted(Counter(n // LENGTH_BIN * LENGTH_BIN for n in words).items())),
        matches=dict(sorted(Counter(occurrences.column("match").to_pylist()).items())),
    )
