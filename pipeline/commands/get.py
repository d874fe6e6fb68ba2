"""`abstracts get`: a released version's folder, fetched."""

from pathlib import Path

import click

from pipeline.commands.options import PATH, option


@click.command("get")
@click.argument("version")
@click.option("--out", type=PATH, help="The folder to write.  [default: abstracts-VERSION]")
@option("--releases", "registry/releases.tsv", "The history of releases.")
def command(version, out, releases):
    """Get a released version's folder from the DVC cache or remote.

    VERSION is a version in the history of releases (1.1.0), fetched at the commit that
    recorded it, or a git revision. Check the copy with `abstracts verify`."""
    from pipeline.release import fetch
    from pipeline.release.reader import ReleaseError

    out = out or Path(f"abstracts-{version}")
    if out.exists():
        raise ReleaseError(f"{out}: already exists; remove it, or give another --out")
    return f"{version} -> {fetch.get(version, out, releases)}"
