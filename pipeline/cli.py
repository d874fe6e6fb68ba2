"""The `abstracts` command: one subcommand per pipeline stage, as dvc.yaml runs them."""

import time
from pathlib import Path

import click

from pipeline import config
from pipeline.stages import parse as parse_stage
from pipeline.stages import schemas as schemas_stage
from schemas.derive import TableError

USER_ERRORS = (config.ConfigError, parse_stage.ParseError, TableError)
PATH = click.Path(path_type=Path)


def _params_option(command):
    return click.option(
        "--params", type=PATH, default=Path("params.yaml"), show_default=True,
        help="The parameters file.",
    )(command)


class Group(click.Group):
    """Turns the pipeline's own errors into one clear line instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build the abstracts dataset from raw dumps of research-paper abstracts."""


@main.command()
@click.option("--raw", type=PATH, default=Path("raw"), show_default=True,
              help="Folder of raw dumps.")
@click.option("--out", type=PATH, default=Path("build/parse"), show_default=True,
              help="Folder for occurrences.parquet and rejects.parquet.")
@click.option("--metrics", type=PATH, default=Path("metrics/parse.json"), show_default=True,
              help="Where to write the counts.")
@_params_option
def parse(raw, out, metrics, params):
    """Cut every raw dump into abstract occurrences and rejects."""
    started = time.perf_counter()
    rules, ratio, workers = config.parse_settings(config.load(params), params)
    s = parse_stage.run(raw, out, metrics, rules, ratio, workers)
    click.echo(
        f"parse: {s['files']} files ({s['empty_files']} empty, {s['not_text_files']} not text), "
        f"{s['occurrences']} occurrences, {s['rejects']} rejects -> {out} "
        f"in {time.perf_counter() - started:.1f}s",
        err=True,
    )


@main.command()
@click.option("--out", type=PATH, default=Path("schemas/json"), show_default=True,
              help="Folder for one <table>.json per table.")
def schemas(out):
    """Export every table's schema as language-neutral JSON."""
    for path in schemas_stage.run(out):
        click.echo(f"schemas: wrote {path}", err=True)
