"""The report stage: the release's HTML data report and its DVC plots."""

import csv
import io
from pathlib import Path

from pipeline.io import read_rows, write_text
from pipeline.release.reader import read_release, shards
from pipeline.report.figures import figures
from pipeline.report.html import COLUMNS, render, shown


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def run(release: Path, out: Path, plots: Path, table_rows: int) -> dict[str, int]:
    """Write the report to `out` and the plots' data under `plots`; return the counts."""
    version, tables = read_release(release, COLUMNS)
    found = figures(version, tables["default"], tables["occurrences"], tables["rejects"])
    texts = read_rows(shards(release, "default"), "text", shown(tables["default"], table_rows))
    write_text(
        out,
        render(
            found, tables["default"], tables["occurrences"], tables["rejects"], table_rows, texts
        ),
    )
    write_text(plots / "lengths.csv", _csv(["words", "abstracts"], found.lengths.items()))
    write_text(
        plots / "sources.csv",
        _csv(
            ["source", "occurrences", "rejects"],
            ([s, c["occurrences"], c["rejects"]] for s, c in found.sources.items()),
        ),
    )
    return found.counts
