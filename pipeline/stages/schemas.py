"""The schemas stage: every table's Pandera model exported as JSON."""

from pathlib import Path

from pipeline.io import write_text
from schemas import TABLES
from schemas.derive import export


def run(out: Path) -> list[Path]:
    """Write out/<table>.json for every table; return the paths written."""
    paths = []
    for name, model in TABLES.items():
        path = out / f"{name}.json"
        write_text(path, export(model))
        paths.append(path)
    return paths
