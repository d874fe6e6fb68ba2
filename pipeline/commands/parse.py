"""`abstracts parse`: the parse stage."""

import click

from pipeline.commands.engine import engine
from pipeline.commands.options import option, params, raw


@click.command("parse")
@raw
@option("--out", "build/parse", "Folder for the parts of each raw file.")
@option("--metrics", "metrics/parse.json", "Where to write the counts.")
@params
@engine
def command(raw, out, metrics, params):
    """Cut every raw dump into abstract occurrences and rejects."""
    from pipeline.config import Params
    from pipeline.stages import parse

    settings = Params(params)
    rules, ratio = settings.parse()
    s = parse.run(raw, out, metrics, rules, ratio, settings.workers, settings.chunk_bytes())
    return (
        f"{s['files']} files ({s['parsed']} parsed, the others unchanged; {s['empty_files']} "
        f"empty, {s['not_text_files']} not text), {s['occurrences']} occurrences, "
        f"{s['rejects']} rejects -> {out}"
    )
