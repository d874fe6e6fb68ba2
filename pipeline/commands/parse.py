"""`abstracts parse`: the parse stage (with `--normalized`, the normalize step too)."""

import click

from pipeline.commands.engine import engine
from pipeline.commands.normalize import normalizing
from pipeline.commands.options import PATH, option, params, raw


@click.command("parse")
@raw
@option("--out", "build/parse", "Folder for the parts of each raw file.")
@option("--metrics", "metrics/parse.json", "Where to write the counts.")
@click.option(
    "--normalized",
    type=PATH,
    help="Then normalize the parts into this folder in the same process, as `abstracts "
    "normalize --parsed OUT --out NORMALIZED` does (dvc.yaml's parse stage: one start-up "
    "for both).",
)
@params
@engine
def command(raw, out, metrics, normalized, params):
    """Cut every raw dump into abstract occurrences and rejects."""
    from pipeline.config import Params
    from pipeline.stages import parse

    settings = Params(params)
    rules, ratio = settings.parse()
    then = normalizing(settings) if normalized else None
    loading = None
    if then:  # normalize's compiled functions and word list, loaded while the workers parse
        from pipeline.stages.normalize import load as loading
    chunk = settings.chunk_bytes()
    s = parse.run(raw, out, metrics, rules, ratio, settings.workers, chunk, loading)
    done = (
        f"{s['files']} files ({s['parsed']} parsed, the others unchanged; {s['empty_files']} "
        f"empty, {s['not_text_files']} not text), {s['occurrences']} occurrences, "
        f"{s['rejects']} rejects -> {out}"
    )
    return f"{done}\nnormalize: {then(out, normalized)}" if then else done
