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
    "What the searchable table was made from, kept so that the next run takes it from the "
    "page when its rows are the same.",
)
@params
def command(release, out, plots, kept, params):
    """Write the release's self-contained HTML data report and its DVC plots."""
    from pipeline.config import Params
    from pipeline.stages import report

    counts = report.run(release, out, plots, Params(params).report_rows(), kept)
    return f"{counts['abstracts']} abstracts -> {out}"
