"""The figures of a release, computed once for the HTML report, DVC plots and `stats`."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.release.reader import version
from pipeline.report.summary import COLUMNS, summaries
from schemas import FLAGS


@dataclass(frozen=True)
class Figures:
    """Counts, distributions and examples of one release."""

    version: str
    counts: dict[str, int]
    sources: dict[str, dict[str, int]]
    reasons: dict[str, int]
    flags: dict[str, int]
    lengths: dict[int, int]  # lower bound of a `summary.LENGTH_BIN`-word bin -> abstracts
    matches: dict[str, int]


def figures(release: Path, found: dict | None = None) -> Figures:
    """The figures of the release in folder `release`, from its shards' summaries `found`
    (`summary.summaries`; read a shard at a time, only the columns they need, if not
    given): memory does not grow with the release."""
    number = version(release)
    found = found or summaries(release, {})[0]
    flags, lengths, of = Counter(dict.fromkeys(FLAGS, 0)), Counter(), {}
    for shard in found["default"]:
        flags.update(shard["flags"])
        lengths.update(dict(shard["lengths"]))
    for config in ("occurrences", "rejects"):
        of[config] = {name: Counter() for name in COLUMNS[config]}
        for shard in found[config]:
            for name, counter in of[config].items():
                counter.update(shard[name])
    sources: dict[str, dict[str, int]] = {}
    for kind, counted in of.items():
        for source, n in counted["source"].items():
            sources.setdefault(source, {"occurrences": 0, "rejects": 0})[kind] = n
    rows = {config: sum(shard["rows"] for shard in shards) for config, shards in found.items()}
    return Figures(
        version=number,
        counts={
            "abstracts": rows["default"],
            "occurrences": rows["occurrences"],
            "rejects": rows["rejects"],
            "sources": len(sources),
            "with duplicates": sum(shard["duplicated"] for shard in found["default"]),
        },
        sources=dict(sorted(sources.items())),
        reasons=dict(sorted(of["rejects"]["reason"].items())),
        flags=dict(flags),
        lengths=dict(sorted(lengths.items())),
        matches=dict(sorted(of["occurrences"]["match"].items())),
    )
