"""End to end: DVC runs the real pipeline in a copy of the project."""

import json
import shutil

import pytest

from pipeline import parts
from schemas import ParsedOccurrences, Rejects
from schemas.derive import arrow_schema
from tests.conftest import copy_project, read_parts, set_version, sh, tree


def occurrences(copy):
    return read_parts(copy / "build/parse", parts.OCCURRENCES, arrow_schema(ParsedOccurrences))


@pytest.mark.slow
def test_dvc_repro_builds_what_is_committed(project):
    copy, env = project
    sh("dvc", "repro", cwd=copy, env=env)
    assert occurrences(copy).num_rows == 26
    assert read_parts(copy / "build/parse", parts.REJECTS, arrow_schema(Rejects)).num_rows == 1
    # dvc.lock, metrics and exported schemas in git are exactly what the code builds.
    assert sh("git", "status", "--porcelain", cwd=copy, env=env).stdout == ""
    assert "up to date" in sh("dvc", "status", cwd=copy, env=env).stdout
    metrics = sh("dvc", "metrics", "show", cwd=copy, env=env).stdout
    assert "rejects_by_reason.outside_abstract" in metrics
    plots = json.loads(sh("dvc", "plots", "show", "--json", cwd=copy, env=env).stdout)["data"]
    assert sorted(plots) == ["metrics/plots/lengths.csv", "metrics/plots/sources.csv"]
    sh("dvc", "plots", "show", cwd=copy, env=env)  # writes dvc_plots/, which git ignores
    assert (copy / "dvc_plots/index.html").exists()
    assert sh("git", "status", "--porcelain", cwd=copy, env=env).stdout == ""


@pytest.mark.slow
def test_a_new_dump_reruns_what_depends_on_raw_only(project):
    copy, env = project
    sh("dvc", "repro", cwd=copy, env=env)
    (copy / "raw" / "new.txt").write_text("Abstract: A new one.\n", encoding="utf-8")
    set_version(copy, "1.2.0")  # new data: a new version
    out = sh("dvc", "repro", cwd=copy, env=env).stdout
    assert "Running stage 'parse'" in out and "Running stage 'schemas'" not in out
    assert occurrences(copy).num_rows == 27


@pytest.mark.slow
def test_an_incremental_build_equals_a_clean_build(project, tmp_path, acl_corpus):
    copy, env = project
    for dump in sorted(acl_corpus.glob("*.txt"))[:3]:
        shutil.copy(dump, copy / "raw" / dump.name)
    set_version(copy, "1.2.0")
    sh("dvc", "repro", cwd=copy, env=env)
    sh("abstracts", "register", cwd=copy, env=env)  # the ids kept are an input too
    assert (copy / "registry/ids.tsv").stat().st_size
    assert (copy / "registry/releases.tsv").read_text().splitlines()[-1].startswith("1.2.0\t")
    set_version(copy, "1.3.0")
    # A new dump: a copy of a seed abstract (joins an existing abstract) and a new one.
    seed = next((copy / "raw").glob("000_*.txt")).read_bytes()
    new = acl_corpus.joinpath(sorted(p.name for p in acl_corpus.glob("*.txt"))[3]).read_bytes()
    (copy / "raw" / "new.txt").write_bytes(seed[: seed.index(b"\n\n")] + b"\n\n" + new[:4000])
    out = sh("dvc", "repro", cwd=copy, env=env)
    assert "(1 parsed," in out.stderr and "(1 normalized," in out.stderr, out.stderr

    clean, env = copy_project(tmp_path / "clean", tmp_path / "home")
    shutil.rmtree(clean / "raw")
    shutil.copytree(copy / "raw", clean / "raw")
    for kept in ("registry/ids.tsv", "registry/releases.tsv", "params.yaml"):
        shutil.copy(copy / kept, clean / kept)
    sh("dvc", "repro", cwd=clean, env=env)
    for folder in ("build/parse", "build/normalize", "build/dedup", "dist", "metrics"):
        assert tree(copy / folder) == tree(clean / folder), folder
    assert (copy / "dvc.lock").read_bytes() == (clean / "dvc.lock").read_bytes()
