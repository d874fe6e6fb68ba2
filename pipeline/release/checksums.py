"""SHA-256 checksums of a release's files, in `sha256sum` format."""

import hashlib
from pathlib import Path

MANIFEST = "SHA256SUMS"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files(folder: Path) -> list[str]:
    """Every file in `folder` but the manifest, as sorted relative posix paths."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )


def manifest(digests: dict[str, str]) -> str:
    """The manifest of files by relative path and SHA-256: `<sha256>  <path>` lines."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))


def listed(folder: Path) -> dict[str, str]:
    """The SHA-256 of each file the manifest of `folder` lists, by relative path (none
    without a manifest)."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except OSError:
        return {}
    return dict(reversed(line.split("  ", 1)) for line in text.splitlines())


def identity(folder: Path, path: Path, sums: dict[str, str]) -> str:
    """A file of the release in `folder` as its manifest knows it (`sums`, from `listed`):
    its relative path, size and listed SHA-256 (None if unlisted), without reading it."""
    name = path.relative_to(folder).as_posix()
    return f"{name}\0{path.stat().st_size}\0{sums.get(name)}"


def check(folder: Path, written: dict[str, dict] | None = None) -> list[str]:
    """What is wrong with `folder` against its manifest: one line per problem. `written`
    gives, by relative path, the size, modification time and SHA-256 that publish recorded
    of a file it wrote: such a file, still as recorded and listed with that digest, is
    not read again (a file is trusted by its stat, as DVC trusts it)."""
    if not (folder / MANIFEST).is_file():
        return [f"{folder / MANIFEST}: no checksum manifest"]
    digests, written = listed(folder), written or {}
    problems = [f"{name}: not in {MANIFEST}" for name in files(folder) if name not in digests]
    for name, digest in sorted(digests.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: listed in {MANIFEST} but missing")
        elif not _trusted(path, written.get(name), digest) and sha256(path) != digest:
            problems.append(f"{name}: SHA-256 differs from {MANIFEST} (modified or corrupt)")
    return problems


def as_written(path: Path, record: dict) -> bool:
    """Whether the file at `path` is there with the size and modification time that
    publish's `record` of it (`size`, `mtime_ns`) gives."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == [record.get("size"), record.get("mtime_ns")]


def _trusted(path: Path, record: dict | None, digest: str) -> bool:
    """Whether publish's `record` of the file at `path` gives it the SHA-256 `digest` and
    the file is still as written."""
    return isinstance(record, dict) and record.get("sha256") == digest and as_written(path, record)
