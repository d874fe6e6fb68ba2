"""The `abstracts` command: one subcommand per pipeline stage, as dvc.yaml runs them."""

import tempfile
import time
from pathlib import Path

import click

from pipeline import registry as registry_module
from pipeline.config import ConfigError, Params
from pipeline.core.ids import RegistryError
from pipeline.release import diff as release_diff
from pipeline.release.reader import ReleaseError, rows_where, version
from pipeline.report.figures import figures
from pipeline.stages import dedup as dedup_stage
from pipeline.stages import normalize as normalize_stage
from pipeline.stages import parse as parse_stage
from pipeline.stages import report as report_stage
from pipeline.stages import schemas as schemas_stage
from schemas.derive import TableError

USER_ERRORS = (ConfigError, parse_stage.ParseError, TableError, ReleaseError, RegistryError)
PATH = click.Path(path_type=Path)


def _option(name: str, default: str, help: str):
    return click.option(name, type=PATH, default=Path(default), show_default=True, help=help)


_params = _option("--params", "params.yaml", "The parameters file.")


class Group(click.Group):
    """Ends each stage with its summary and time, and turns the pipeline's own errors into
    one clear line instead of a traceback. A stage returns its summary."""

    def invoke(self, ctx):
        started = time.perf_counter()
        try:
            summary = super().invoke(ctx)
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from None
        if summary:
            elapsed = time.perf_counter() - started
            click.echo(f"{ctx.invoked_subcommand}: {summary} in {elapsed:.1f}s", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build the abstracts dataset from raw dumps of research-paper abstracts."""


@main.command()
@_option("--raw", "raw", "Folder of raw dumps.")
@_option("--out", "build/parse", "Folder for the parts of each raw file, and rejects.parquet.")
@_option("--metrics", "metrics/parse.json", "Where to write the counts.")
@_params
def parse(raw, out, metrics, params):
    """Cut every raw dump into abstract occurrences and rejects."""
    settings = Params(params)
    rules, ratio = settings.parse()
    s = parse_stage.run(raw, out, metrics, rules, ratio, settings.workers, settings.chunk_bytes())
    return (
        f"{s['files']} files ({s['parsed']} parsed, the others unchanged; {s['empty_files']} "
        f"empty, {s['not_text_files']} not text), {s['occurrences']} occurrences, "
        f"{s['rejects']} rejects -> {out}"
    )


@main.command()
@_option("--parsed", "build/parse", "Folder of the parse stage's output.")
@_option("--out", "build/normalize", "Folder for the parts of each raw file, with clean texts.")
@_params
def normalize(parsed, out, params):
    """Clean every occurrence's text and flag it (truncated, characters lost, math)."""
    settings = Params(params)
    s = normalize_stage.run(parsed, out, settings.dedup(), settings.batch_rows(), settings.workers)
    return (
        f"{s['occurrences']} occurrences from {s['files']} files "
        f"({s['normalized']} normalized, the others unchanged) -> {out}"
    )


@main.command()
@_option("--normalized", "build/normalize", "Folder of the normalize stage's output.")
@_option("--out", "build/dedup", "Folder for links.parquet: each occurrence's abstract.")
@_option("--metrics", "metrics/dedup.json", "Where to write the counts.")
@_option("--registry", "registry/ids.tsv", "The published ids, kept (none if no such file).")
@_params
def dedup(normalized, out, metrics, registry, params):
    """Merge exact, near and truncated duplicates into one row per abstract."""
    settings = Params(params)
    s = dedup_stage.run(
        normalized, out, metrics, settings.dedup(), settings.lengths(), settings.workers, registry
    )
    return (
        f"{s['occurrences']} occurrences -> {s['abstracts']} abstracts "
        f"({s['groups_with_duplicates']} with duplicates) -> {out}"
    )


@main.command()
@_option("--dedup", "build/dedup", "Folder of the dedup stage's output (the links).")
@_option("--normalized", "build/normalize", "Folder of the normalize stage's output.")
@_option("--parsed", "build/parse", "Folder of the parse stage's output (for the rejects).")
@_option("--out", "dist/abstracts", "The release folder to write.")
@click.option(
    "--metrics",
    "metrics",
    type=PATH,
    multiple=True,
    show_default=True,
    default=[Path("metrics/parse.json"), Path("metrics/dedup.json")],
    help="Metrics files whose figures go into the card (repeatable).",
)
@_option("--changelog", "CHANGELOG.md", "The changelog copied into the card.")
@_params
def publish(dedup, normalized, parsed, out, metrics, changelog, params):
    """Publish dist/abstracts: Parquet configs, dataset card, Croissant, checksums."""
    settings = Params(params)
    values = settings.publish()
    from pipeline.stages import publish as publish_stage  # imports `datasets` (slow): here only

    rows = publish_stage.run(
        {"dedup": dedup, "normalized": normalized, "parsed": parsed},
        publish_stage.load_stats(*metrics),
        changelog.read_text(encoding="utf-8"),
        out,
        values,
        settings.workers,
    )
    counts = ", ".join(f"{config} {n} rows" for config, n in rows.items())
    return f"version {values['version']}: {counts} -> {out}"


@main.command()
@click.argument("release", type=PATH, default=Path("dist/abstracts"))
@_option("--registry", "registry/ids.tsv", "The registry of published ids to add to.")
def register(release, registry):
    """Add every occurrence of a release to the registry of published ids, so that its
    abstracts keep their ids in every later build. A step of releasing a version: run it
    after `dvc repro`, then `dvc repro` again (dedup re-runs, to the same links).

    RELEASE is a release folder (default: dist/abstracts). Lines are only ever added;
    registering a release again adds nothing."""
    s = registry_module.register(release, registry)
    return (
        f"{s['occurrences']} occurrences of {release}, {s['added']} new -> {registry} "
        f"({s['lines']} lines)"
    )


@main.command()
@click.argument("release", type=PATH, default=Path("dist/abstracts"))
def verify(release):
    """Check a copy of a release: checksums, every row against the schemas, invariants.

    RELEASE is a release folder (default: dist/abstracts). Exits 1 on any failure."""
    if not release.is_dir():
        raise click.ClickException(f"{release}: no such folder; give a release folder")
    from pipeline.release import verify as release_verify  # imports `datasets` (slow)

    failed = False
    for check, problems in release_verify.checks(release):
        click.echo(f"{'FAIL' if problems else 'ok  '}  {check}")
        for problem in problems:
            click.echo(f"      {problem}")
        failed |= bool(problems)
    if failed:
        raise click.ClickException(f"{release}: verification failed")
    click.echo(f"{release}: verified")


@main.command()
@click.argument("old")
@click.argument("new", default="dist/abstracts")
@click.option(
    "--show", type=int, default=10, show_default=True, help="How many ids of each kind to list."
)
@_params
def diff(old, new, show, params):
    """Compare two releases by abstract id: added, removed, changed, and the bump it needs.

    OLD and NEW are release folders or git revisions (tags such as v1.0.0), fetched with DVC.
    NEW defaults to the workspace's dist/abstracts."""
    version = Params(params).publish()["version"]
    with tempfile.TemporaryDirectory() as tmp:
        change = release_diff.diff(_release(old, Path(tmp)), _release(new, Path(tmp)))
    for kind in ("added", "removed", "changed", "recounted"):
        ids = getattr(change, kind)
        click.echo(f"{kind}: {len(ids)}" + "".join(f"\n  {i}" for i in ids[:show]))
    click.echo(
        f"bump: {change.bump} (params version {version}; "
        f"next {release_diff.next_version(version, change.bump)})"
    )


def _release(where: str, tmp: Path) -> Path:
    """A release folder: `where` itself, or dist/abstracts at git revision `where`."""
    if Path(where).is_dir():
        return Path(where)
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    out = tmp / where.replace("/", "_")
    try:
        Repo.get(".", "dist/abstracts", out=str(out), rev=where)
    except DvcException as error:
        raise click.ClickException(
            f"{where}: neither a folder nor a revision with dist/abstracts ({error})"
        ) from None
    return out


@main.command()
@_option("--release", "dist/abstracts", "The release folder to report on.")
@_option("--out", "dist/report.html", "The HTML page to write.")
@_option("--plots", "metrics/plots", "Folder for the DVC plots' data (CSV).")
@_params
def report(release, out, plots, params):
    """Write the release's self-contained HTML data report and its DVC plots."""
    counts = report_stage.run(release, out, plots, Params(params).report_rows())
    return f"{counts['abstracts']} abstracts -> {out}"


@main.command()
@click.argument("release", type=PATH, default=Path("dist/abstracts"))
def stats(release):
    """Print a release's key figures: counts, flags, rejects, duplicates."""
    found = figures(release)
    total = found.counts["abstracts"] or 1
    click.echo(f"{release}: version {found.version}")
    for section, values, base in (
        ("counts", found.counts, None),
        ("flags", found.flags, total),
        ("rejects by reason", found.reasons, None),
        ("occurrences by match", found.matches, None),
    ):
        click.echo(f"\n{section}")
        for name, value in values.items():
            share = f"  {value / base:6.1%}" if base else ""
            click.echo(f"  {name:24} {value:>10,}{share}")


@main.command()
@click.argument("abstract_id")
@_option("--release", "dist/abstracts", "The release folder.")
def show(abstract_id, release):
    """Print one abstract with its flags and every occurrence of it in raw/."""
    version(release)  # a clear error if `release` is no release
    rows = rows_where(release, "default", "id", abstract_id)
    if not rows:
        raise click.ClickException(f"{abstract_id}: no such abstract id in {release}")
    row = rows[0]
    click.echo(f"{row.pop('id')}\n\n{row.pop('text')}\n")
    for name, value in row.items():
        click.echo(f"  {name:20} {value}")
    found = rows_where(release, "occurrences", "abstract_id", abstract_id)
    click.echo(f"\noccurrences ({len(found)})")
    for o in found:
        click.echo(
            f"  {o['source']}:{o['line_start']}-{o['line_end']}  bytes "
            f"{o['byte_start']}-{o['byte_end']}  {o['match']}  {o['encoding']}"
        )


@main.command()
@_option("--out", "schemas/json", "Folder for one <table>.json per table.")
def schemas(out):
    """Export every table's schema as language-neutral JSON."""
    return f"wrote {', '.join(p.name for p in schemas_stage.run(out))} -> {out}"
