"""Per-file outputs kept across runs, named by a digest of what they were made from.

A stage that works file by file writes one part per raw file under `<out>/parts/<name>/`
and lists them, in raw-file order, in `<out>/index.json`. A part whose name already
exists is reused, so adding a dump redoes that dump only, and an incremental build
equals a clean one byte for byte. The name is a digest of the input and the stage's
params; the pipeline's code is recorded beside the output, in `<out>.code`, and a run
with other code starts from no parts (names leave the code out, so that the output of
the same inputs never depends on whether the stage re-ran).

The index also gives each part's `content`, a digest of its files' bytes, so that it
changes exactly when the output does: the next stage depends on it alone (dvc.yaml), and
DVC need not walk and hash the thousands of parts' files for each stage that reads them.
A part made in an earlier run with the same code keeps the content recorded then.
"""

import functools
import hashlib
import json
import shutil
from pathlib import Path

import xxhash

from pipeline.io import write_json, write_text

INDEX = "index.json"
PARTS = "parts"
# The file of a part of parse or normalize that holds its occurrences.
OCCURRENCES = "occurrences.parquet"
# Each parse part's rejects.
REJECTS = "rejects.parquet"


@functools.cache
def code_digest() -> str:
    """A digest of every Python file of the `pipeline` and `schemas` packages."""
    digest = hashlib.blake2b(digest_size=16)
    top = Path(__file__).resolve().parents[1]
    for path in sorted((*top.glob("pipeline/**/*.py"), *top.glob("schemas/**/*.py"))):
        digest.update(path.relative_to(top).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def part_name(*inputs: str | bytes) -> str:
    """The name of the part made from `inputs` (params, source, bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    for value in inputs:
        digest.update(value if isinstance(value, bytes) else value.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _stamp(folder: Path) -> Path:
    return folder.with_name(f"{folder.name}.code")


def start(folder: Path) -> None:
    """Make `folder`'s parts folder, emptied if the parts were made by other code."""
    stamp = _stamp(folder)
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != code_digest():
        shutil.rmtree(folder / PARTS, ignore_errors=True)
    (folder / PARTS).mkdir(parents=True, exist_ok=True)


def index(folder: Path) -> list[dict]:
    """The entries of a stage's index, in raw-file order: `source`, `part` and its
    `content` (and normalize's, `parsed`, the parse part it was made from)."""
    return json.loads((folder / INDEX).read_text(encoding="utf-8"))


def finish(folder: Path, entries: list[dict]) -> None:
    """Once every part is written: write the index, each entry with its part's `content`,
    and the code stamp, then delete the parts the index no longer lists and any other file
    in `folder`. A run that fails before this leaves the old index."""
    stamp, kept = _stamp(folder), {}
    made = (folder / INDEX).exists() and stamp.exists()
    if made and stamp.read_text(encoding="utf-8") == code_digest():  # its parts were kept
        kept = {entry["part"]: entry.get("content") for entry in index(folder)}
    entries = [
        {**entry, "content": kept.get(entry["part"]) or content(folder / PARTS / entry["part"])}
        for entry in entries
    ]
    write_json(folder / INDEX, entries)
    write_text(_stamp(folder), code_digest())
    listed = {entry["part"] for entry in entries}
    for path in (folder / PARTS).iterdir():
        if path.name not in listed:
            shutil.rmtree(path, ignore_errors=True)  # also what lost attempts left
    for path in folder.iterdir():
        if path.name not in {INDEX, PARTS}:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def content(part: Path, block: int = 1 << 24) -> str:
    """A digest (XXH3, 128 bits) of the names and bytes of the files of the `part` folder."""
    digest = xxhash.xxh3_128()
    for path in sorted(part.iterdir()):
        digest.update(f"{path.name}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as file:
            while data := file.read(block):
                digest.update(data)
    return digest.hexdigest()


def paths(folder: Path, file: str, entries: list[dict] | None = None) -> list[Path]:
    """The path of `file` in each part of `folder`, in index order (or of the parts that
    `entries` name, before they are its index)."""
    listed = index(folder) if entries is None else entries
    return [folder / PARTS / entry["part"] / file for entry in listed]
