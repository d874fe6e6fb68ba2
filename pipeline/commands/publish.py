"""`abstracts publish`: the publish stage."""

from pathlib import Path

import click

from pipeline.commands.engine import engine
from pipeline.commands.options import PATH, REPORT_KEPT, option, params, plots
from pipeline.commands.steps import step


@click.command("publish")
@option("--dedup", "build/dedup", "Folder of the links (the parse stage's dedup step).")
@option(
    "--normalized",
    "build/normalize",
    "Folder of the normalized parts (the parse stage's normalize step).",
)
@option("--parsed", "build/parse", "Folder of the parse stage's output (for the rejects).")
@option("--out", "dist/abstracts", "The release folder to write.")
@click.option(
    "--metrics",
    "metrics",
    type=PATH,
    multiple=True,
    show_default=True,
    default=[Path("metrics/parse.json"), Path("metrics/dedup.json")],
    help="Metrics files whose figures go into the card (repeatable).",
)
@option("--changelog", "CHANGELOG.md", "The changelog copied into the card.")
@option("--releases", "registry/releases.tsv", "The versions released so far, with their data.")
@option(
    "--shards",
    "build/publish.json",
    "What each shard was made from, kept so that the next run keeps the shards whose rows "
    "did not change.",
)
@option("--report", "dist/report.html", "The release's HTML data report to write.")
@plots
@option("--report-kept", "build/report.json", REPORT_KEPT)
@params
@engine
def command(
    dedup,
    normalized,
    parsed,
    out,
    metrics,
    changelog,
    releases,
    shards,
    report,
    plots,
    report_kept,
    params,
):
    """Publish dist/abstracts: Parquet configs, dataset card, Croissant, checksums; then its
    report (`abstracts report`), in the same process: its own work in an incremental build
    is a fraction of what a stage of its own costs to start.

    Refuses to publish no abstract, or other data under a released version."""
    from pipeline.config import Params
    from pipeline.stages import publish
    from pipeline.stages import report as reporting

    settings = Params(params)
    values, table_rows = settings.publish(), settings.report_rows()
    left = []  # what the report takes from its last run, read while the configs are written

    def read_last():
        left.append(reporting.last(report, report_kept))

    rows = step("publish", publish.run)(
        {"dedup": dedup, "normalized": normalized, "parsed": parsed},
        publish.load_stats(*metrics),
        changelog.read_text(encoding="utf-8"),
        out,
        values,
        settings.workers,
        releases,
        shards,
        read_last,
    )
    step("report", reporting.run)(
        out, report, plots, table_rows, report_kept, left[0] if left else None
    )
    counts = ", ".join(f"{config} {n} rows" for config, n in rows.items())
    return f"version {values['version']}: {counts} -> {out}, {report}"
