"""The report stage: the release's HTML data report and its DVC plots."""

import csv
import io
from pathlib import Path

from pipeline.io import write_bytes, write_text
from pipeline.report.figures import figures
from pipeline.report.html import render
from pipeline.report.shown import shown


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def run(
    release: Path, out: Path, plots: Path, table_rows: int, kept: Path | None = None
) -> dict[str, int]:
    """Write the report to `out` and the plots' data under `plots`; return the counts.
    The release is read a shard at a time: memory does not grow with it. What the
    searchable table was made from is kept at `kept` (none: not kept), so that the next
    run takes it from the page at `out` where it holds the same rows."""
    found = figures(release)
    seen = shown(release, table_rows, out, kept)
    write_bytes(out, render(found, seen))
    if kept:
        seen.table.keep(kept)
    write_text(plots / "lengths.csv", _csv(["words", "abstracts"], found.lengths.items()))
    write_text(
        plots / "sources.csv",
        _csv(
            ["source", "occurrences", "rejects"],
            ([s, c["occurrences"], c["rejects"]] for s, c in found.sources.items()),
        ),
    )
    return found.counts
