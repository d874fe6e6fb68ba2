"""`abstracts normalize`: clean the parse stage's parts (dvc.yaml runs it in the parse
stage's process: `abstracts parse --normalized`)."""

from collections.abc import Callable
from pathlib import Path

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

    return normalizing(Params(params))(parsed, out)


def normalizing(settings) -> Callable[[Path, Path], str]:
    """Normalizing with the params of `settings` (read now: a bad value fails before any
    work), as a function of the parse stage's folder and the folder to write, which says
    what it did."""
    from pipeline.stages import normalize

    args = (settings.dedup(), settings.batch_rows(), settings.workers)

    def run(parsed: Path, out: Path) -> str:
        s = normalize.run(parsed, out, *args)
        return (
            f"{s['occurrences']} occurrences from {s['files']} files "
            f"({s['normalized']} normalized, the others unchanged) -> {out}"
        )

    return run
