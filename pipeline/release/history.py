"""The versions released so far, `registry/releases.tsv` (kept in git): each version with
its date and the SHA-256 of its data, so that a version always names the same data.

A line is added by `abstracts register`, a step of releasing a version; publish refuses
to label other data with a recorded version, or to go below the last one.
"""

import hashlib
import re
from pathlib import Path
from typing import NamedTuple

from pipeline.io import write_text
from pipeline.release import checksums
from pipeline.release.reader import ReleaseError, croissant, version

HEADER = "version\tdate_published\tdata_sha256\n"
_LINE = re.compile(r"(\d+)\.(\d+)\.(\d+)\t\d{4}-\d{2}-\d{2}\t[0-9a-f]{64}")


class Release(NamedTuple):
    version: str
    date_published: str
    data_sha256: str


def order(version: str) -> tuple[int, ...]:
    """A MAJOR.MINOR.PATCH version as a tuple that sorts as versions do."""
    return tuple(map(int, version.split(".")))


def data_sha256(digests: dict[str, str]) -> str:
    """The SHA-256 of a release's data, from its files' SHA-256 by relative path: that of
    the manifest lines of its Parquet files (the card and metadata aside)."""
    data = {name: digest for name, digest in digests.items() if name.startswith("data/")}
    return hashlib.sha256(checksums.manifest(data).encode()).hexdigest()


def of_folder(folder: Path) -> Release:
    """The release in `folder`, its data hashed from the files themselves."""
    number = version(folder)  # a clear error if `folder` is no release
    try:
        date = croissant(folder)["datePublished"]
    except KeyError:
        raise ReleaseError(f"{folder}/croissant.json: unreadable; run `abstracts verify`") from None
    names = [name for name in checksums.files(folder) if name.startswith("data/")]
    return Release(number, date, data_sha256({n: checksums.sha256(folder / n) for n in names}))


def read(path: Path) -> list[Release]:
    """The releases recorded at `path` (none if there is no such file), oldest first."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[:1] != [HEADER.rstrip("\n")]:
        raise ReleaseError(f"{path}:1: expected the header {HEADER.strip()!r}; take it from git")
    found = []
    for number, line in enumerate(lines[1:], 2):
        if not _LINE.fullmatch(line):
            raise ReleaseError(
                f"{path}:{number}: expected VERSION<tab>YYYY-MM-DD<tab>SHA-256, got {line!r}; "
                "the file is written by `abstracts register` (take it from git)"
            )
        found.append(Release(*line.split("\t")))
    if [order(r.version) for r in found] != sorted({order(r.version) for r in found}):
        raise ReleaseError(f"{path}: versions out of order or repeated; take it from git")
    return found


def check(path: Path, release: Release) -> None:
    """Raise a ReleaseError if publishing `release` would break a recorded version's promise:
    its version was released with other data, or is below the last release."""
    known = {r.version: r for r in read(path)}
    same = known.get(release.version)
    if same and same.data_sha256 != release.data_sha256:
        raise ReleaseError(
            f"publish.version {release.version} was released with other data ({path}); a "
            "version always names the same data: set publish.version in params.yaml to a new "
            "version (`abstracts diff` then says if the bump is right) and run again"
        )
    last = max(known, key=order, default=None)
    if not same and last and order(release.version) < order(last):
        raise ReleaseError(
            f"publish.version {release.version} is below the last release, {last} ({path}): "
            f"set publish.version in params.yaml above {last} and run again"
        )


def record(path: Path, release: Release) -> bool:
    """Add `release` to the history at `path` unless it is there; whether it was added."""
    check(path, release)
    known = read(path)
    if release.version in {r.version for r in known}:
        return False
    releases = sorted([*known, release], key=lambda r: order(r.version))
    write_text(path, HEADER + "".join("\t".join(r) + "\n" for r in releases))
    return True
