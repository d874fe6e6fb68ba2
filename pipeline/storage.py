"""The raw dumps wherever they are: a folder given as a path, or as the URI of a folder on
any filesystem pyarrow knows (`s3://bucket/dumps`, `gs://...`, `hdfs://...`,
`file:///...`). Every file is listed, stamped and read through `pyarrow.fs`, so that a Ray
task reads its dump straight from object storage."""

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs

from pipeline.errors import UserError

BLOCK = 1 << 20  # bytes read at a time to digest a file


class ParseError(UserError, RuntimeError):
    """A raw file could not be parsed; the message names it."""


@dataclass(frozen=True)
class RawFile:
    """A raw dump: its `source` (its path under the folder, with / separators), its `name`
    in messages (the folder as given, then the source), where it is (`fs`, `path`), its
    size, and its `stamp`, what tells that it changed without reading it: its size and
    modification time, and on a local disk its inode, as DVC tells it."""

    source: str
    name: str
    fs: pafs.FileSystem
    path: str
    size: int
    stamp: str


def listing(raw: str | Path) -> list[RawFile]:
    """Every file under the folder `raw` (a path or a URI), sorted by source; ParseError
    if there is no such folder, or nothing in it."""
    raw = str(raw)
    fs, root = pafs.LocalFileSystem(), os.path.abspath(raw)
    if "://" in raw:
        try:
            fs, root = pafs.FileSystem.from_uri(raw)
        except (pa.ArrowInvalid, OSError) as error:
            raise ParseError(f"{raw}: not a folder pyarrow can read: {error}") from None
    if fs.get_file_info(root).type != pafs.FileType.Directory:
        raise ParseError(f"{raw}: no such folder; put the raw dumps in {raw}/")
    local = isinstance(fs, pafs.LocalFileSystem)
    if local:  # pathlib's walk: into no symlinked folder (`raw/loop -> .` would never end)
        found = fs.get_file_info([str(p) for p in Path(root).rglob("*") if p.is_file()])
    else:
        found = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    files = sorted(
        (info.path[len(root) :].lstrip("/"), info)
        for info in found
        if info.type == pafs.FileType.File
    )
    if not files:
        raise ParseError(f"{raw}: no file in it; put the raw dumps in {raw}/")

    def name(source: str) -> str:
        return f"{raw.rstrip('/')}/{source}" if "://" in raw else str(Path(raw) / source)

    return [
        RawFile(source, name(source), fs, info.path, info.size, _stamp(info, local))
        for source, info in files
    ]


def _stamp(info: pafs.FileInfo, local: bool) -> str:
    """A file's size and modification time, and its inode on a local disk."""
    if local:
        stat = os.stat(info.path)
        return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
    return f"{info.size}:{info.mtime_ns}"


@contextmanager
def opened(file: RawFile) -> Iterator[pa.NativeFile]:
    """The raw file, open for reading at any offset; ParseError if it cannot be read."""
    try:
        with file.fs.open_input_file(file.path) as handle:
            yield handle
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise ParseError(f"{file.name}: cannot read: {reason}") from None


def digest(file: RawFile) -> str:
    """The digest of a raw file's bytes, read a block at a time."""
    found = hashlib.blake2b(digest_size=16)
    with opened(file) as handle:
        while block := handle.read(BLOCK):
            found.update(block)
    return found.hexdigest()
