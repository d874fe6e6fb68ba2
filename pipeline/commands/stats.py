"""`abstracts stats`: a release's key figures."""

import click

from pipeline.commands.options import release_argument


@click.command("stats")
@release_argument
def command(release):
    """Print a release's key figures: counts, flags, rejects, duplicates.

    A damaged release (a file that does not match its checksum) is an error."""
    from pipeline.release.reader import checked
    from pipeline.report.figures import figures

    checked(release)
    found = figures(release)
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
