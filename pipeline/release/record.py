"""Recording a release's ids, a step of releasing a version (`abstracts register`): every
occurrence goes into the registry of published ids, so that its abstract keeps its id."""

from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.core.ids import lines, merge, raw_digest
from pipeline.io import replacing
from pipeline.registry import EMPTY, read
from pipeline.release.reader import config_tables, version


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
