"""`abstracts show`: one abstract and every copy of it."""

import click

from pipeline.commands.options import option, published


@click.command("show")
@click.argument("abstract_id")
@option("--release", "dist/abstracts", "The release folder.")
@published
def command(abstract_id, release, shards):
    """Print one abstract with its flags and every occurrence of it in raw/.

    A damaged release (a file that does not match its checksum) is an error."""
    from pipeline.io import read_state
    from pipeline.release.reader import ReleaseError, checked, rows_where
    from pipeline.release.shards import recorded

    checked(release, recorded(read_state(shards)))
    rows = rows_where(release, "default", "id", abstract_id)
    if not rows:
        raise ReleaseError(f"{abstract_id}: no such abstract id in {release}")
    row = rows[0]
    click.echo(f"{row.pop('id')}\n\n{row.pop('text')}\n")
    for name, value in row.items():
        click.echo(f"  {name:20} {value}")
    found = rows_where(release, "occurrences", "abstract_id", abstract_id)
    click.echo(f"\noccurrences ({len(found)})")
    for o in found:
        click.echo(
            f"  {o['source']}:{o['line_start']}-{o['line_end']}  bytes "
            f"{o['byte_start']}-{o['byte_end']}  {o['match']}  {o['encoding']}"
        )
