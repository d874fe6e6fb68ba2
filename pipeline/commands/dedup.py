"""`abstracts dedup`: the dedup stage."""

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
    from pipeline.stages import dedup

    settings = Params(params)
    s = dedup.run(
        normalized, out, metrics, settings.dedup(), settings.lengths(), settings.workers, registry
    )
    return (
        f"{s['occurrences']} occurrences -> {s['abstracts']} abstracts "
        f"({s['groups_with_duplicates']} with duplicates) -> {out}"
    )
