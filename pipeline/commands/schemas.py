"""`abstracts schemas`: the schemas stage."""

import click

from pipeline.commands.options import option


@click.command("schemas")
@option("--out", "schemas/json", "Folder for one <table>.json per table.")
def command(out):
    """Export every table's schema as language-neutral JSON."""
    from pipeline.stages import schemas

    return f"wrote {', '.join(p.name for p in schemas.run(out))} -> {out}"
