"""`abstracts register`: record a release, a step of releasing a version."""

import click

from pipeline.commands.options import option, release_argument


@click.command("register")
@release_argument
@option("--registry", "registry/ids.tsv", "The registry of published ids to add to.")
@option("--releases", "registry/releases.tsv", "The history of released versions to add to.")
def command(release, registry, releases):
    """Record a release: its version, its data's SHA-256 and its ids, for good.

    The version and the SHA-256 of its data go into the history of releases, and every
    occurrence into the registry of published ids, so that its abstracts keep their ids in
    every later build. A step of releasing a version: run it after
    `dvc repro`, then `dvc repro` again (dedup and publish re-run, to the same data).

    RELEASE is a release folder (default: dist/abstracts). Lines are only ever added;
    registering a release again adds nothing; a version released with other data is
    refused."""
    from pipeline.release import history, record

    recorded = history.of_folder(release)
    history.check(releases, recorded)
    s = record.register(release, registry)
    new = history.record(releases, recorded)
    return (
        f"version {recorded.version} {'recorded' if new else 'already recorded'} in "
        f"{releases}; {s['occurrences']} occurrences, {s['added']} new -> {registry} "
        f"({s['lines']} lines)"
    )
