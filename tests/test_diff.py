"""`abstracts diff` compares releases by id and text digest, a shard at a time: whatever
the abstracts kept, added, removed, changed or recounted, it says which, and the bump."""

import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.release.diff import Diff, advice, diff, fits, next_version
from pipeline.release.history import order
from pipeline.release.layout import CONFIGS

# id -> (text, n_occurrences), from a small alphabet so that texts and counts collide.
releases = st.dictionaries(
    st.sampled_from([f"{i:016x}" for i in range(12)]),
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(1, 2)),
    max_size=12,
)
KINDS = ("added", "removed", "changed", "recounted")
SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("n_occurrences", pa.int64())])


def release(folder: Path, abstracts: dict, shard_rows: int) -> Path:
    """A release folder: `abstracts` in `default`, `shard_rows` a shard (only the columns
    diff reads), and an empty shard for each other config."""
    for config in CONFIGS:
        (folder / "data" / config).mkdir(parents=True)
    rows = [{"id": i, "text": t, "n_occurrences": n} for i, (t, n) in abstracts.items()]
    for start in range(0, max(len(rows), 1), shard_rows):
        shard = pa.Table.from_pylist(rows[start : start + shard_rows], schema=SCHEMA)
        pq.write_table(shard, folder / "data" / "default" / f"train-{start:05d}.parquet")
    for config in ("occurrences", "rejects"):
        pq.write_table(SCHEMA.empty_table(), folder / "data" / config / "train-00000.parquet")
    return folder


@settings(max_examples=100, deadline=None)
@given(releases, releases, st.integers(1, 5))
def test_diff_says_what_changed_whatever_the_shards(old, new, shard_rows):
    with tempfile.TemporaryDirectory() as tmp:
        found = diff(release(Path(tmp, "old"), old, shard_rows), release(Path(tmp, "new"), new, 3))
    common = sorted(old.keys() & new.keys())
    assert found.added == sorted(new.keys() - old.keys())
    assert found.removed == sorted(old.keys() - new.keys())
    assert found.changed == [i for i in common if old[i][0] != new[i][0]]
    assert found.recounted == [i for i in common if old[i][0] == new[i][0] and old[i] != new[i]]


@pytest.mark.parametrize(
    "kinds, bump",
    [
        ({"removed"}, "major"),  # references to the id break
        ({"removed", "changed", "added"}, "major"),
        ({"changed"}, "minor"),  # a text improved under its id: references keep working
        ({"added"}, "minor"),
        ({"recounted"}, "patch"),
        (set(), "none"),
    ],
)
def test_only_a_removed_id_is_a_major_bump(kinds, bump):
    kinds = {kind: ["0123456789abcdef"] if kind in kinds else [] for kind in KINDS}
    assert Diff(**kinds).bump == bump


@given(
    old=st.tuples(*[st.integers(0, 3)] * 3),
    new=st.tuples(*[st.integers(0, 3)] * 3),
    bump=st.sampled_from(["major", "minor", "patch"]),
)
def test_the_advice_accepts_exactly_the_versions_at_or_above_the_bump(old, new, bump):
    old, new = (".".join(map(str, v)) for v in (old, new))
    needed = next_version(old, bump)
    said = advice(old, new, bump)
    assert said.startswith(f"bump: {bump} from {old}, so {needed} or above; labelled {new}: ")
    right = order(new) >= order(needed)
    assert fits(old, new, bump) == right
    assert said.endswith(": right" if right else ": too low")
