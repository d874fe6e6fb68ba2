"""The `abstracts` command: one subcommand per pipeline stage, as dvc.yaml runs them, and
the user's tools. Each lives in a module of `pipeline.commands` that imports what it needs
only when it runs."""

import atexit
import importlib
import os
import sys
import time

import click

from pipeline.errors import UserError


class Group(click.Group):
    """Ends each stage with its summary and time, and turns the pipeline's own errors into
    one clear `Error:` line instead of a traceback. A stage returns its summary."""

    def invoke(self, ctx):
        started = time.perf_counter()
        try:
            summary = super().invoke(ctx)
        except UserError as error:
            raise click.ClickException(str(error)) from None
        if summary:
            elapsed = time.perf_counter() - started
            click.echo(f"{ctx.invoked_subcommand}: {summary} in {elapsed:.1f}s", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build the abstracts dataset from raw dumps of research-paper abstracts."""


COMMANDS = (
    "check code dedup diff get normalize parse publish register report schemas show stats verify"
)
for name in COMMANDS.split():
    main.add_command(importlib.import_module(f"pipeline.commands.{name}").command)


def run() -> None:
    """`abstracts` as installed: `main` in a process of its own, which never synthesizes
    data. Pandera's validation backend imports its data-synthesis strategies, and so
    `hypothesis` where it is installed (for the tests), with its plugins: 0.4 s of every
    stage's start. Here an import of it fails, and pandera goes on without them.

    Once `main` exits, the exit handlers run and the process ends without tearing down
    its modules one by one (0.15 s of every stage's end, for nothing: every file it
    wrote is closed). An uncaught error ends it as Python does, with its traceback."""
    sys.modules.setdefault("hypothesis", None)
    code = 0
    try:
        main()
    except SystemExit as done:
        if not isinstance(done.code, int | None):
            raise
        code = done.code
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
