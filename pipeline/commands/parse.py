"""`abstracts parse`: the parse stage (with `--normalized`, the normalize step too, and with
`--dedup` the dedup step after it)."""

import click

from pipeline.commands import dedup
from pipeline.commands.engine import engine
from pipeline.commands.normalize import normalizing
from pipeline.commands.options import PATH, option, params, raw
from pipeline.commands.steps import step


@click.command("parse")
@raw
@option("--out", "build/parse", "Folder for the parts of each raw file.")
@option("--metrics", "metrics/parse.json", "Where to write the counts.")
@click.option(
    "--normalized",
    type=PATH,
    help="Then normalize the parts into this folder in the same process, as `abstracts "
    "normalize --parsed OUT --out NORMALIZED` does.",
)
@click.option(
    "--dedup",
    "deduped",
    type=PATH,
    help="Then, after normalizing, dedup the normalized parts into this folder in the same "
    "process, as `abstracts dedup --normalized NORMALIZED --out DEDUP` does (dvc.yaml's parse "
    "stage: one start-up for the three steps).",
)
@option("--dedup-metrics", "metrics/dedup.json", "With --dedup, where it writes its counts.")
@option("--registry", "registry/ids.tsv", "With --dedup, the published ids it keeps (if any).")
@params
@engine
def command(raw, out, metrics, normalized, deduped, dedup_metrics, registry, params):
    """Cut every raw dump into abstract occurrences and rejects."""
    from pipeline.config import Params
    from pipeline.stages import parse

    if deduped and not normalized:
        raise click.UsageError("--dedup needs --normalized: it dedups the normalized parts")
    settings = Params(params)
    rules, ratio = settings.parse()
    then = normalizing(settings) if normalized else None
    after = dedup.deduplicating(settings, dedup_metrics, registry) if deduped else None
    loading = None
    if then:  # normalize's compiled functions and word list, loaded while the workers parse
        from pipeline.stages.normalize import load as loading
    chunk = settings.chunk_bytes()
    s = step("parse", parse.run)(raw, out, metrics, rules, ratio, settings.workers, chunk, loading)
    done = (
        f"{s['files']} files ({s['parsed']} parsed, the others unchanged; {s['empty_files']} "
        f"empty, {s['not_text_files']} not text), {s['occurrences']} occurrences, "
        f"{s['rejects']} rejects -> {out}"
    )
    if then:
        done += f"\nnormalize: {step('normalize', then)(out, normalized)}"
    if after:
        done += f"\ndedup: {step('dedup', after)(normalized, deduped)}"
    return done
