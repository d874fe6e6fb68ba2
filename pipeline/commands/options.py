"""Options shared by the subcommands."""

from pathlib import Path

import click

PATH = click.Path(path_type=Path)


def option(name: str, default: str, help: str):
    """A path option with a default."""
    return click.option(name, type=PATH, default=Path(default), show_default=True, help=help)


def release_argument(function):
    """The RELEASE argument: a release folder, by default dist/abstracts."""
    return click.argument("release", type=PATH, default=Path("dist/abstracts"))(function)


params = option("--params", "params.yaml", "The parameters file.")
