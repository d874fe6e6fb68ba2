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
# What publish recorded of the shards it wrote, which the tools that check a release trust.
published = option(
    "--shards",
    "build/publish.json",
    "What publish recorded of the shards it wrote: a shard still as recorded is not hashed "
    "again (`abstracts verify` hashes every file).",
)
# The report's outputs besides its page, which `publish` writes too.
plots = option("--plots", "metrics/plots", "Folder for the DVC plots' data (CSV).")
REPORT_KEPT = (
    "What the report was made from (each shard's summary, the shown groups' texts, the "
    "searchable table's record), kept so that the next run reads only what changed."
)
# The raw dumps' folder: a path, or the URI of a folder on any filesystem pyarrow knows.
raw = click.option(
    "--raw",
    default="raw",
    show_default=True,
    help="Folder of raw dumps: a path, or a URI (s3://bucket/dumps, gs://..., file:///...).",
)
