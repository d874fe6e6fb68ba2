"""Compare two releases by abstract id, and say which version bump the change needs."""

from dataclasses import dataclass
from pathlib import Path

from pipeline.release.reader import read_release


@dataclass(frozen=True)
class Diff:
    """Ids added, removed, whose text changed, and whose counts alone changed."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    recounted: list[str]

    @property
    def bump(self) -> str:
        """major for removed or changed abstracts, minor for additions, patch for recounts."""
        if self.removed or self.changed:
            return "major"
        if self.added:
            return "minor"
        return "patch" if self.recounted else "none"


def abstracts(folder: Path) -> dict[str, tuple[str, int]]:
    """id -> (text, n_occurrences) of the release in `folder`."""
    table = read_release(folder)[1]["default"]
    columns = [table.column(name).to_pylist() for name in ("id", "text", "n_occurrences")]
    return {i: (text, n) for i, text, n in zip(*columns, strict=True)}


def diff(old: Path, new: Path) -> Diff:
    before, after = abstracts(old), abstracts(new)
    common = sorted(set(before) & set(after))
    return Diff(
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=[i for i in common if before[i][0] != after[i][0]],
        recounted=[i for i in common if before[i][0] == after[i][0] and before[i] != after[i]],
    )


def next_version(version: str, bump: str) -> str:
    major, minor, patch = map(int, version.split("."))
    return {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
        "none": version,
    }[bump]
