"""The --engine and --address options of the commands that map work (parse, normalize,
dedup, publish)."""

import functools
import gc

import click

from pipeline.engine import ENGINES


def engine(function):
    """The --engine and --address options of a stage: its maps run on the engine they name,
    else on params.yaml's."""

    @click.option(
        "--engine",
        "engine_name",
        type=click.Choice(ENGINES, case_sensitive=False),
        envvar="ABSTRACTS_ENGINE",
        help="Where the work runs (default: engine.name in params.yaml).",
    )
    @click.option(
        "--address",
        envvar="ABSTRACTS_RAY_ADDRESS",
        help="The Ray cluster's address (default: engine.address in params.yaml).",
    )
    @functools.wraps(function)
    def command(*args, engine_name, address, **kwargs):
        from pipeline import parallel
        from pipeline.config import Params

        parallel.use(Params(kwargs["params"]).engine(engine_name, address))
        gc.freeze()  # the collector scans only what the work makes, not the modules
        return function(*args, **kwargs)

    return command
