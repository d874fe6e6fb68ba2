"""`abstracts report`: the report stage."""

import click

from pipeline.commands.options import option, params


@click.command("report")
@option("--release", "dist/abstracts", "The release folder to report on.")
@option("--out", "dist/report.html", "The HTML page to write.")
@option("--plots", "metrics/plots", "Folder for the DVC plots' data (CSV).")
@option(
    "--kept",
    "build/report.json",
    "What the page was made from (each shard's summary, the shown groups' texts, the "
    "searchable table's record), kept so that the next run reads only what changed.",
)
@params
def command(release, out, plots, kept, params):
    """Write the release's self-contained HTML data report and its DVC plots."""
    from pipeline.config import Params
    from pipeline.stages import report

    counts = report.run(release, out, plots, Params(params).report_rows(), kept)
    return f"{counts['abstracts']} abstracts -> {out}"
