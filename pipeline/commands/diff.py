"""`abstracts diff`: what changed between two releases, and the bump it needs."""

import tempfile
from pathlib import Path

import click

from pipeline.commands.options import option


@click.command("diff")
@click.argument("old", required=False)
@click.argument("new", default="dist/abstracts")
@click.option(
    "--show", type=int, default=10, show_default=True, help="How many ids of each kind to list."
)
@option("--releases", "registry/releases.tsv", "The history of releases, to find the last one.")
def command(old, new, show, releases):
    """Compare two releases by id, and check the version bump between them.

    Lists the abstracts added, removed, changed and recounted, says which bump the change
    needs, and whether NEW's version is one.

    OLD and NEW are release folders, released versions (1.1.0, fetched at the commit that
    recorded them in the history of releases) or git revisions (fetched with DVC). NEW
    defaults to dist/abstracts; OLD to the last release before NEW (the last recorded, if
    NEW is no release). Exits 1 if NEW's version is below what the change needs."""
    from pipeline.release import diff, fetch
    from pipeline.release.reader import ReleaseError, version

    with tempfile.TemporaryDirectory() as tmp:
        new_folder = fetch.folder(new, Path(tmp), releases)
        old = old or fetch.previous(new_folder, releases)
        if old is None:
            click.echo(f"{new}: the first release recorded in {releases}; nothing before it")
            return
        old_folder = fetch.folder(old, Path(tmp), releases)
        change = diff.diff(old_folder, new_folder)
        versions = version(old_folder), version(new_folder)
    click.echo(f"{old} ({versions[0]}) -> {new} ({versions[1]})")
    for kind in ("added", "removed", "changed", "recounted"):
        ids = getattr(change, kind)
        more = [f"... and {len(ids) - show} more"] if len(ids) > show else []
        click.echo(f"{kind}: {len(ids)}" + "".join(f"\n  {i}" for i in [*ids[:show], *more]))
    click.echo(diff.advice(*versions, change.bump))
    if not diff.fits(*versions, change.bump):
        raise ReleaseError(
            f"{new} is labelled {versions[1]}, below what the change needs: set "
            f"publish.version to {diff.next_version(versions[0], change.bump)} and rebuild"
        )
