"""`abstracts stats`: a release's key figures."""

import click

from pipeline.commands.options import option, published, release_argument


@click.command("stats")
@release_argument
@published
@option(
    "--kept",
    "build/report.json",
    "The report's kept state: the shards it holds a summary of are not read again.",
)
def command(release, shards, kept):
    """Print a release's key figures: counts, flags, rejects, duplicates.

    A damaged release (a file that does not match its checksum) is an error."""
    from pipeline.io import read_state
    from pipeline.release.reader import checked
    from pipeline.release.shards import recorded
    from pipeline.report.figures import figures
    from pipeline.report.summary import summaries

    checked(release, recorded(read_state(shards)))
    found = figures(release, summaries(release, read_state(kept).get("summaries", {}))[0])
    total = found.counts["abstracts"] or 1
    click.echo(f"{release}: version {found.version}")
    for section, values, base in (
        ("counts", found.counts, None),
        ("flags", found.flags, total),
        ("rejects by reason", found.reasons, None),
        ("occurrences by match", found.matches, None),
    ):
        click.echo(f"\n{section}")
        for name, value in values.items():
            share = f"  {value / base:6.1%}" if base else ""
            click.echo(f"  {name:24} {value:>10,}{share}")
