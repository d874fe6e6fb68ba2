"""The `abstracts` command: one subcommand per pipeline stage, as dvc.yaml runs them."""

import time
from pathlib import Path

import click

from pipeline.config import ConfigError, Params
from pipeline.stages import dedup as dedup_stage
from pipeline.stages import normalize as normalize_stage
from pipeline.stages import parse as parse_stage
from pipeline.stages import schemas as schemas_stage
from schemas.derive import TableError

USER_ERRORS = (ConfigError, parse_stage.ParseError, TableError)
PATH = click.Path(path_type=Path)


def _option(name: str, default: str, help: str):
    return click.option(name, type=PATH, default=Path(default), show_default=True, help=help)


_params = _option("--params", "params.yaml", "The parameters file.")


class Group(click.Group):
    """Turns the pipeline's own errors into one clear line instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from None


def _done(stage: str, started: float, what: str) -> None:
    click.echo(f"{stage}: {what} in {time.perf_counter() - started:.1f}s", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build the abstracts dataset from raw dumps of research-paper abstracts."""


@main.command()
@_option("--raw", "raw", "Folder of raw dumps.")
@_option("--out", "build/parse", "Folder for occurrences.parquet and rejects.parquet.")
@_option("--metrics", "metrics/parse.json", "Where to write the counts.")
@_params
def parse(raw, out, metrics, params):
    """Cut every raw dump into abstract occurrences and rejects."""
    started, settings = time.perf_counter(), Params(params)
    rules, ratio = settings.parse()
    s = parse_stage.run(raw, out, metrics, rules, ratio, settings.workers)
    _done(
        "parse",
        started,
        f"{s['files']} files ({s['empty_files']} empty, "
        f"{s['not_text_files']} not text), {s['occurrences']} occurrences, "
        f"{s['rejects']} rejects -> {out}",
    )


@main.command()
@_option("--parsed", "build/parse", "Folder of the parse stage's output.")
@_option("--out", "build/normalize", "Folder for occurrences.parquet with clean texts.")
@_params
def normalize(parsed, out, params):
    """Clean every occurrence's text and flag it (truncated, characters lost, math)."""
    started, settings = time.perf_counter(), Params(params)
    rows = normalize_stage.run(parsed, out, settings.batch_rows(), settings.workers)
    _done("normalize", started, f"{rows} occurrences -> {out}")


@main.command()
@_option("--normalized", "build/normalize", "Folder of the normalize stage's output.")
@_option("--out", "build/dedup", "Folder for abstracts.parquet and occurrences.parquet.")
@_option("--metrics", "metrics/dedup.json", "Where to write the counts.")
@_params
def dedup(normalized, out, metrics, params):
    """Merge exact, near and truncated duplicates into one row per abstract."""
    started, settings = time.perf_counter(), Params(params)
    s = dedup_stage.run(normalized, out, metrics, settings.dedup(), settings.lengths())
    _done(
        "dedup",
        started,
        f"{s['occurrences']} occurrences -> {s['abstracts']} abstracts "
        f"({s['groups_with_duplicates']} with duplicates) -> {out}",
    )


@main.command()
@_option("--out", "schemas/json", "Folder for one <table>.json per table.")
def schemas(out):
    """Export every table's schema as language-neutral JSON."""
    for path in schemas_stage.run(out):
        click.echo(f"schemas: wrote {path}", err=True)
