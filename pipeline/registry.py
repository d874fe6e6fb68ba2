"""The registry of published ids, `registry/ids.tsv` (see `pipeline.core.ids`), read by
dedup (`pipeline.release.record` adds to it when a version is released)."""

import mmap
import os
from pathlib import Path

import numpy as np

from pipeline.core.arrays import among
from pipeline.core.ids import LINE, hex_digits, parse

EMPTY = (np.empty(0, np.uint64), np.empty(0, "S16"))


def read(
    path: Path, wanted: np.ndarray | None = None, chunk_lines: int = 1 << 20, checked: bool = False
):
    """The digests (sorted) and ids of the registry at `path` (none if there is no such
    file), only those of the digests in `wanted` (sorted) if given. Every line is checked,
    and the file read `chunk_lines` lines at a time; unless the file is `checked` (read
    whole before, as it is: dedup's stamp holds its bytes' digest) and `wanted` given:
    then only their lines are read, found by binary search (the lines are sorted and of
    one width)."""
    if not path.exists():
        return EMPTY
    if checked and wanted is not None:
        return _looked_up(path, wanted)
    found, first_line, before = [EMPTY], 1, None
    with path.open("rb") as file:
        while data := file.read(LINE * chunk_lines):
            digests, ids = parse(data, str(path), first_line, before)
            if len(digests):
                first_line, before = first_line + len(digests), int(digests[-1])
            keep = slice(None) if wanted is None else among(digests, wanted)
            found.append((digests[keep], ids[keep]))
    return np.concatenate([d for d, _ in found]), np.concatenate([i for _, i in found])


def _looked_up(path: Path, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The digests and ids of the lines of the checked registry at `path` whose digests
    are in `wanted` (sorted); read whole if its last line has no newline."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if not size or size % LINE:
            return read(path, wanted) if size else EMPTY
        with mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ) as data:
            table = np.frombuffer(data, np.uint8).reshape(-1, LINE)
            starts = table[:, :16].copy().view("S16").ravel()
            sought = hex_digits(wanted).view("S16").ravel()
            at = np.searchsorted(starts, sought).clip(0, len(starts) - 1)
            found = table[at[starts[at] == sought]].tobytes()
            del table  # no view of the map outlives it
    return parse(found, str(path))
