"""`abstracts check`: what `make dataset` checks before `dvc repro`."""

import click

from pipeline.commands.engine import engine
from pipeline.commands.options import params, raw


@click.command("check")
@raw
@params
@engine
def command(raw, params):
    """Check what a build needs, in a moment: raw/, every value in params.yaml, and on the
    ray engine that its cluster answers.

    `make dataset` runs it before `dvc repro`, so that a missing folder or a bad value is
    one clear line before anything starts."""
    from pipeline.config import Params
    from pipeline.storage import listing

    files = listing(raw)
    Params(params).check()
    return f"{params} and {raw}/ ({len(files)} files) are ready to build"
