"""`abstracts normalize`: the normalize stage."""

import click

from pipeline.commands.engine import engine
from pipeline.commands.options import option, params


@click.command("normalize")
@option("--parsed", "build/parse", "Folder of the parse stage's output.")
@option("--out", "build/normalize", "Folder for the parts of each raw file, with clean texts.")
@params
@engine
def command(parsed, out, params):
    """Clean every occurrence's text and flag it (truncated, characters lost, math)."""
    from pipeline.config import Params
    from pipeline.stages import normalize

    settings = Params(params)
    s = normalize.run(parsed, out, settings.dedup(), settings.batch_rows(), settings.workers)
    return (
        f"{s['occurrences']} occurrences from {s['files']} files "
        f"({s['normalized']} normalized, the others unchanged) -> {out}"
    )
