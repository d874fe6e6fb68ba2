"""`abstracts verify`: check a copy of a release."""

import click

from pipeline.commands.options import release_argument


@click.command("verify")
@release_argument
def command(release):
    """Check a copy of a release: checksums, every row against the schemas, invariants.

    RELEASE is a release folder (default: dist/abstracts). Exits 1 on any failure."""
    from pipeline.release import verify
    from pipeline.release.reader import ReleaseError

    if not release.is_dir():
        raise ReleaseError(f"{release}: no such folder; give a release folder")
    failed = False
    for check, problems in verify.checks(release):
        click.echo(f"{'FAIL' if problems else 'ok  '}  {check}")
        for problem in problems:
            click.echo(f"      {problem}")
        failed |= bool(problems)
    if failed:
        raise ReleaseError(f"{release}: verification failed")
    click.echo(f"{release}: verified")
