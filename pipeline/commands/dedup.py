"""`abstracts dedup`: link the normalized occurrences to their abstracts (dvc.yaml runs it
in the parse stage's process: `abstracts parse --dedup`)."""

from collections.abc import Callable
from pathlib import Path

import click

from pipeline.commands.engine import engine
from pipeline.commands.options import option, params


@click.command("dedup")
@option(
    "--normalized",
    "build/normalize",
    "Folder of the normalized parts (the parse stage's normalize step).",
)
@option("--out", "build/dedup", "Folder for each part's links: each occurrence's abstract.")
@option("--metrics", "metrics/dedup.json", "Where to write the counts.")
@option("--registry", "registry/ids.tsv", "The published ids, kept (none if no such file).")
@params
@engine
def command(normalized, out, metrics, registry, params):
    """Merge exact, near and truncated duplicates into one row per abstract."""
    from pipeline.config import Params

    return deduplicating(Params(params), metrics, registry)(normalized, out)


def deduplicating(settings, metrics: Path, registry: Path) -> Callable[[Path, Path], str]:
    """Deduplicating with the params of `settings` (read now: a bad value fails before any
    work), writing its counts to `metrics` and keeping the ids of `registry`, as a function
    of the normalized parts' folder and the folder to write, which says what it did."""
    from pipeline.stages import dedup

    args = (settings.dedup(), settings.lengths(), settings.workers, registry)

    def run(normalized: Path, out: Path) -> str:
        s = dedup.run(normalized, out, metrics, *args)
        return (
            f"{s['occurrences']} occurrences -> {s['abstracts']} abstracts "
            f"({s['groups_with_duplicates']} with duplicates) -> {out}"
        )

    return run
