"""`abstracts code`: the code stage."""

import click

from pipeline.commands.options import option


@click.command("code")
@option("--out", "build/code", "Folder for one <command>.txt per command.")
def command(out):
    """List the project's modules each command runs, with their digests: the code
    dependency of the command's stage in dvc.yaml."""
    from pipeline.cli import COMMANDS
    from pipeline.stages import code

    written = code.run(out, COMMANDS.split())
    return f"the modules of {len(written)} commands -> {out}"
