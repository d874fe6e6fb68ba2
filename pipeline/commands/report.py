"""`abstracts report`: the report of a release, by hand (the publish stage writes it too)."""

import click

from pipeline.commands.options import REPORT_KEPT, option, params, plots


@click.command("report")
@option("--release", "dist/abstracts", "The release folder to report on.")
@option("--out", "dist/report.html", "The HTML page to write.")
@plots
@option("--kept", "build/report.json", REPORT_KEPT)
@params
def command(release, out, plots, kept, params):
    """Write the release's self-contained HTML data report and its DVC plots (the publish
    stage writes them with the release: this rewrites them by hand)."""
    from pipeline.config import Params
    from pipeline.stages import report

    counts = report.run(release, out, plots, Params(params).report_rows(), kept)
    return f"{counts['abstracts']} abstracts -> {out}"
