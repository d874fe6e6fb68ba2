"""The registry of published ids, `registry/ids.tsv` (see `pipeline.core.ids`), read by
dedup (`pipeline.release.record` adds to it when a version is released)."""

from pathlib import Path

import numpy as np

from pipeline.core.arrays import among
from pipeline.core.ids import LINE, parse

EMPTY = (np.empty(0, np.uint64), np.empty(0, "S16"))


def read(path: Path, wanted: np.ndarray | None = None, chunk_lines: int = 1 << 20):
    """The digests (sorted) and ids of the registry at `path` (none if there is no such
    file), only those of the digests in `wanted` (sorted) if given. Every line is checked,
    and the file read `chunk_lines` lines at a time."""
    if not path.exists():
        return EMPTY
    found, first_line, before = [EMPTY], 1, None
    with path.open("rb") as file:
        while data := file.read(LINE * chunk_lines):
            digests, ids = parse(data, str(path), first_line, before)
            if len(digests):
                first_line, before = first_line + len(digests), int(digests[-1])
            keep = slice(None) if wanted is None else among(digests, wanted)
            found.append((digests[keep], ids[keep]))
    return np.concatenate([d for d, _ in found]), np.concatenate([i for _, i in found])
