"""Shared fixtures: the project's own params, the seeds, the real corpus, project copies."""

import os
import re
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.workspace import ROOT, copy_project, sh  # noqa: F401  (the tests use them)
from pipeline import parts
from pipeline.config import Params

# `datasets` caches what tests load: keep it out of the user's cache, and offline.
os.environ.setdefault("HF_DATASETS_CACHE", tempfile.mkdtemp(prefix="hf-datasets-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SEEDS = ROOT / "raw"
ACL = ROOT.parent / "shared" / "corpora" / "acl-anthology"


@pytest.fixture(scope="session")
def params():
    """The project's own params.yaml."""
    return Params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def parse_settings(params):
    """(rules, max_control_ratio, workers) from the project's params.yaml."""
    return (*params.parse(), params.workers)


@pytest.fixture(scope="session")
def parse_passes():
    """The compiled passes that parsing calls, loaded: hypothesis times each example, and a
    pass's first call loads it (0.4 s; more when it compiles, on a fresh clone)."""
    from pipeline.core import utf8

    utf8.load(parse=True)


@pytest.fixture(scope="session")
def rules(parse_settings, parse_passes):
    """The parse rules, with the compiled passes that segmentation calls loaded first."""
    return parse_settings[0]


@pytest.fixture(scope="session")
def acl_corpus():
    if not ACL.is_dir():
        pytest.skip(f"the ACL corpus is not at {ACL} (it ships in ../shared/corpora)")
    return ACL


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project", tmp_path / "home")


def set_version(copy: Path, version: str) -> None:
    """Set publish.version in the params.yaml of a project copy, as releasing one does."""
    path = copy / "params.yaml"
    text = re.sub(r"(?m)^  version: .*$", f"  version: {version}", path.read_text(), count=1)
    path.write_text(text)


def tree(folder):
    """Every file under `folder` by relative path, with its bytes."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_pipeline(
    raw: Path, out: Path, params: Params, registry: Path | None = None, publish_values=None
) -> Path:
    """Parse, normalize, dedup (keeping the ids of `registry`, if given) and publish `raw`
    in-process under `out` (with `publish_values`, by default the params'; keeping the
    shards' state in out/publish.json); return the release."""
    from pipeline.stages import dedup, normalize, parse, publish

    rules, ratio = params.parse()
    stats = parse.run(raw, out / "parse", out / "parse.json", rules, ratio, 2)
    normalize.run(out / "parse", out / "normalize", params.dedup(), params.batch_rows(), 2)
    stats |= dedup.run(
        *(out / "normalize", out / "dedup", out / "dedup.json"),
        *(params.dedup(), params.lengths(), 2, registry),
    )
    publish.run(
        {"dedup": out / "dedup", "normalized": out / "normalize", "parsed": out / "parse"},
        stats,
        "# Changelog\n",
        out / "abstracts",
        publish_values or params.publish(),
        shards=out / "publish.json",
    )
    return out / "abstracts"


def links_bytes(folder: Path) -> dict[str, bytes]:
    """The bytes of each file of dedup's output `folder` (its links and links.json)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.*"))}


def read_parts(folder: Path, file: str, schema: pa.Schema) -> pa.Table:
    """`file` of every part of a parse or normalize output `folder`, in index order."""
    tables = [pq.read_table(path) for path in parts.paths(folder, file)]
    return pa.concat_tables(tables).cast(schema) if tables else schema.empty_table()
