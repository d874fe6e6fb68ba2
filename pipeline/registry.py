"""The registry of published ids, `registry/ids.tsv` (see `pipeline.core.ids`): read by
dedup, and added to by `abstracts register` when a version is released."""

from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.core.ids import LINE, lines, merge, parse, raw_digest
from pipeline.io import replacing
from pipeline.release.reader import config_tables, version

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
            keep = slice(None) if wanted is None else _among(digests, wanted)
            found.append((digests[keep], ids[keep]))
    return np.concatenate([d for d, _ in found]), np.concatenate([i for _, i in found])


def _among(digests: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which `digests` are among the sorted `wanted`."""
    if not len(wanted):
        return np.zeros(len(digests), bool)
    return wanted[np.searchsorted(wanted, digests).clip(0, len(wanted) - 1)] == digests


def occurrences(release: Path) -> tuple[np.ndarray, np.ndarray]:
    """The digest of every occurrence of the release in `release`, and its abstract's id."""
    version(release)  # a clear error if `release` is no release
    digests, ids = [EMPTY[0]], [EMPTY[1]]
    for table in config_tables(release, "occurrences", ["abstract_id", "text_raw"]):
        texts = table.column("text_raw").to_pylist()
        digests.append(np.fromiter(map(raw_digest, texts), np.uint64, len(texts)))
        ids.append(np.asarray(table.column("abstract_id").cast(pa.binary()), "S16"))
    return np.concatenate(digests), np.concatenate(ids)


def register(release: Path, path: Path) -> dict:
    """Add every occurrence of the release in `release` to the registry at `path`: sorted,
    each once, never changing a line. Registering a release again adds nothing."""
    old = read(path)
    new = occurrences(release)
    digests, ids = merge(old, new, f"{path} and {release}")
    added = len(digests) - len(old[0])
    if added:
        with replacing(path) as tmp:
            tmp.write_bytes(lines(digests, ids))
    return {"occurrences": len(new[0]), "added": added, "lines": len(digests)}
