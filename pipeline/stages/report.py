"""The release's HTML data report and its DVC plots: written by the publish stage, with
the release, and by `abstracts report`."""

import csv
import io
from pathlib import Path

from pipeline.io import read_state, write_bytes, write_state, write_text
from pipeline.report import summary, table
from pipeline.report.figures import figures
from pipeline.report.html import render
from pipeline.report.shown import shown


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def last(out: Path, kept: Path | None) -> tuple[dict, dict[str, bytes]]:
    """What `run` takes from the last run: the state it kept at `kept` (none: not kept),
    and the searchable table's pieces of the page at `out` that it says are whole
    (`pipeline.report.table`). It does not depend on the release: publish reads it while
    its configs are written."""
    before = read_state(kept) if kept else {}
    return before, table.kept(out, before.get("table"))


def run(
    release: Path,
    out: Path,
    plots: Path,
    table_rows: int,
    kept: Path | None = None,
    left: tuple[dict, dict[str, bytes]] | None = None,
) -> dict[str, int]:
    """Write the report to `out` and the plots' data under `plots`; return the counts.
    The release is read a shard at a time: memory does not grow with it. What the page was
    made from is kept at `kept` (none: not kept), so that the next run reads only the
    shards that changed (`pipeline.report.summary`) and takes the searchable table from the
    page at `out` where it holds the same rows; `left` is what `last` read of them, if it
    was read already."""
    before, pieces = left or last(out, kept)
    found, keep = summary.summaries(release, before.get("summaries", {}))
    figured = figures(release, found)
    seen = shown(release, table_rows, pieces, before, found)
    write_bytes(out, render(figured, seen))
    if kept:
        write_state(kept, {"summaries": keep, **seen.record()})
    write_text(plots / "lengths.csv", _csv(["words", "abstracts"], figured.lengths.items()))
    write_text(
        plots / "sources.csv",
        _csv(
            ["source", "occurrences", "rejects"],
            ([s, c["occurrences"], c["rejects"]] for s, c in figured.sources.items()),
        ),
    )
    return figured.counts
