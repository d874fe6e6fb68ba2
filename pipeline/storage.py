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
import xxhash

from pipeline.errors import UserError


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
    if isinstance(fs, pafs.LocalFileSystem):  # pathlib's walk: into no symlinked folder
        found = ((str(p), p.stat()) for p in Path(root).rglob("*") if p.is_file())
        stamped = [
            (path, s.st_size, f"{s.st_size}:{s.st_mtime_ns}:{s.st_ino}") for path, s in found
        ]
    else:
        found = fs.get_file_info(pafs.FileSelector(root, recursive=True))
        stamped = [
            (info.path, info.size, f"{info.size}:{info.mtime_ns}")
            for info in found
            if info.type == pafs.FileType.File
        ]
    files = sorted(
        (path[len(root) :].lstrip("/"), path, size, stamp) for path, size, stamp in stamped
    )
    if not files:
        raise ParseError(f"{raw}: no file in it; put the raw dumps in {raw}/")

    def name(source: str) -> str:
        return f"{raw.rstrip('/')}/{source}" if "://" in raw else str(Path(raw) / source)

    return [
        RawFile(source, name(source), fs, path, size, stamp) for source, path, size, stamp in files
    ]


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
    """The digest of a raw file's bytes (XXH3, 128 bits: what names its part, as DVC's MD5
    names a file in its cache; six times faster than BLAKE2b), read a block at a time."""
    with opened(file) as handle:
        return hashlib.file_digest(handle, xxhash.xxh3_128).hexdigest()
