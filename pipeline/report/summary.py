"""What each shard of a release adds to its figures: a config's counts, and a `default`
shard's largest groups.

The report keeps the summaries in its state (`report --kept`, build/report.json), each by
the shard's name, size and SHA-256 in the release's manifest (which publish writes with
the shards) and the code, so that a run reads only the shards it has no summary of: its
cost follows what changed, as publish's does.
"""

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.parallel import threaded
from pipeline.release import checksums
from pipeline.release.reader import shard_table, shards
from schemas import FLAGS

LARGEST = 10  # groups kept of each shard, and shown
LENGTH_BIN = 25  # words
COLUMNS = {
    "default": ["id", "n_words", "n_occurrences", *FLAGS],
    "occurrences": ["source", "match"],
    "rejects": ["source", "reason"],
}


def counts(column: pa.ChunkedArray | pa.Array) -> dict:
    """How often each value occurs, counted by Arrow."""
    return {row["values"]: row["counts"] for row in pc.value_counts(column).to_pylist()}


def _sum(column: pa.ChunkedArray | pa.Array) -> int:
    return pc.sum(column).as_py() or 0


def largest(table: pa.Table, top: int = LARGEST) -> pa.Table:
    """The `top` rows of `table` with the most occurrences (more than one), then by id:
    the order is total, so the largest of several tables are among their own largest."""
    keys = [("n_occurrences", "descending"), ("id", "ascending")]
    table = table.filter(pc.greater(table.column("n_occurrences"), 1))
    return table.take(pc.select_k_unstable(table, top, keys))


def summarize(release: Path, config: str, shard: Path) -> dict:
    """What the `shard` of `config` adds to the figures of the release in `release` (JSON):
    its rows and counts; for `default`, its largest groups, each with its row in the
    shard."""
    table = shard_table(release, shard, COLUMNS[config])
    found = {"rows": table.num_rows}
    if config != "default":
        return found | {name: counts(table.column(name)) for name in COLUMNS[config]}
    n_words = table.column("n_words")
    bins = pc.multiply(pc.divide(n_words, LENGTH_BIN), LENGTH_BIN)
    numbered = table.select(["id", "n_occurrences"]).append_column(
        "row", pa.array(range(table.num_rows), pa.int64())
    )
    return found | {
        "duplicated": _sum(pc.greater(table.column("n_occurrences"), 1)),
        "flags": {flag: _sum(table.column(flag)) for flag in FLAGS},
        "lengths": sorted(counts(bins).items()),
        "largest": largest(numbered).to_pylist(),
    }


def summaries(release: Path, kept: dict) -> tuple[dict, dict]:
    """Each config's shard summaries, in shard order, each with its `key`, those `kept`
    taken from there, the others made in threads (Arrow reads and counts without the
    interpreter); and the summaries to keep, by key."""
    from pipeline.parts import code_digest

    listed, code = checksums.listed(release), code_digest()
    every = [(config, shard) for config in COLUMNS for shard in shards(release, config)]
    keys = [
        hashlib.blake2b(
            f"{code}\0{checksums.identity(release, shard, listed)}".encode(), digest_size=16
        ).hexdigest()
        for _, shard in every
    ]
    todo = {key: item for item, key in zip(every, keys, strict=True) if key not in kept}
    summarized = threaded(lambda item: summarize(release, *item), todo.values())
    made = dict(zip(todo, summarized, strict=True))
    found, keep = {config: [] for config in COLUMNS}, {}
    for (config, shard), key in zip(every, keys, strict=True):
        summary = kept.get(key) or made[key]
        found[config].append(summary | {"key": key})
        if shard.relative_to(release).as_posix() in listed:
            keep[key] = summary
    return found, keep
