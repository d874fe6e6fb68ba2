"""Compare two releases by abstract id, and say which version bump the change needs."""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.dedup import digest
from pipeline.release.history import order
from pipeline.release.reader import config_tables, version


@dataclass(frozen=True)
class Diff:
    """Ids added, removed, whose text changed, and whose counts alone changed."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    recounted: list[str]

    @property
    def bump(self) -> str:
        """major for removed abstracts, whose ids break; minor for added ones and for texts
        changed (improved) under the same id, whose ids keep working; patch for recounts."""
        if self.removed:
            return "major"
        if self.added or self.changed:
            return "minor"
        return "patch" if self.recounted else "none"


def abstracts(folder: Path) -> pa.Table:
    """The id, a digest of the text and n_occurrences of every abstract of the release in
    `folder`, read a shard at a time: the texts are never all in memory."""
    version(folder)  # a clear error if `folder` is no release
    tables = []
    for table in config_tables(folder, "default", ["id", "text", "n_occurrences"]):
        digests = pa.array(map(digest, table.column("text").to_pylist()), pa.binary(16))
        tables.append(table.drop_columns(["text"]).append_column("digest", digests))
    return pa.concat_tables(tables)


def diff(old: Path, new: Path) -> Diff:
    both = abstracts(old).join(
        abstracts(new), "id", join_type="full outer", left_suffix="_old", right_suffix="_new"
    )
    before, after = both.column("digest_old"), both.column("digest_new")
    same = pc.equal(before, after)

    def ids(where) -> list[str]:
        return sorted(both.filter(where).column("id").to_pylist())

    return Diff(
        added=ids(pc.is_null(before)),
        removed=ids(pc.is_null(after)),
        changed=ids(pc.invert(same)),
        recounted=ids(
            pc.and_(same, pc.not_equal(both["n_occurrences_old"], both["n_occurrences_new"]))
        ),
    )


def fits(old: str, new: str, bump: str) -> bool:
    """Whether version `new` is at least the `bump` from version `old`."""
    depth = {"none": 0, "major": 1, "minor": 2, "patch": 3}[bump]
    return order(new)[:depth] >= order(next_version(old, bump))[:depth]


def advice(old: str, new: str, bump: str) -> str:
    """What the bump from version `old` means for a release labelled `new`."""
    if bump == "none":
        return "bump: none (no abstract added, removed, changed or recounted)"
    needed = next_version(old, bump)
    verdict = "right" if fits(old, new, bump) else "too low"
    return f"bump: {bump} from {old}, so {needed} or above; labelled {new}: {verdict}"


def next_version(version: str, bump: str) -> str:
    major, minor, patch = map(int, version.split("."))
    return {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
        "none": version,
    }[bump]
