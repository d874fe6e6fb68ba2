"""A failed build changes nothing (not the work tree, not metrics/, not the release) and
says what to do in one `Error:` line, whether it is run as `make dataset`, `dvc repro` or a
stage by hand. Publishing refuses no abstract, and other data under a released version."""

import shutil
import sys
from pathlib import Path

import pytest

from pipeline.release.diff import next_version
from tests.conftest import ACL, copy_project, set_version, sh, tree

pytestmark = pytest.mark.slow

# A bad value in params.yaml for each command that reads it (`normalize` runs in the parse
# stage too): (command, line, bad line, key).
BAD_VALUES = [
    ("parse", "  chunk_bytes: 16777216", "  chunk_bytes: 0", "parse.chunk_bytes"),
    ("normalize", "  batch_rows: 20000", "  batch_rows: 0", "normalize.batch_rows"),
    ("dedup", "  min_words: 30", "  min_words: -1", "abstracts.min_words"),
    ("publish", "  row_group_rows: 10000", "  row_group_rows: 0", "publish.row_group_rows"),
    ("publish", "  table_rows: 50000", "  table_rows: -1", "report.table_rows"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project copy built by `dvc repro` and committed: a clean work tree."""
    base = tmp_path_factory.mktemp("failures")
    copy, env = copy_project(base / "project", base / "home")
    sh("dvc", "repro", cwd=copy, env=env)
    sh("git", "commit", "-qam", "built", "--allow-empty", cwd=copy, env=env)
    assert sh("git", "status", "--porcelain", cwd=copy, env=env).stdout == ""
    return copy, env


@pytest.fixture
def project(built):
    """The built copy, put back as it was after the test."""
    copy, env = built
    before = state(copy, env)
    yield copy, env
    sh("git", "reset", "-q", "--hard", cwd=copy, env=env)
    sh("git", "clean", "-fdq", "raw", cwd=copy, env=env)
    sh("dvc", "checkout", "-q", "--force", cwd=copy, env=env)
    assert state(copy, env) == before


def state(copy: Path, env) -> tuple:
    """What a failed build must leave as it was: git's view of the work tree (metrics and
    dvc.lock included) and the release's bytes."""
    return sh("git", "status", "--porcelain", cwd=copy, env=env).stdout, tree(copy / "dist")


def fails(*command, cwd, env) -> str:
    """Run `command`, which must fail; its stderr, which must hold one `Error:` line."""
    done = sh(*command, cwd=cwd, env=env, check=False)
    assert done.returncode != 0, done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


@pytest.mark.parametrize("stage, line, bad, key", BAD_VALUES)
def test_a_bad_value_fails_its_stage_and_changes_nothing(project, stage, line, bad, key):
    copy, env = project
    params = copy / "params.yaml"
    params.write_text(params.read_text().replace(line, bad, 1))
    before = state(copy, env)
    assert f"params.yaml: {key}: expected" in fails("abstracts", "check", cwd=copy, env=env)
    assert f"params.yaml: {key}: expected" in fails("dvc", "repro", cwd=copy, env=env)
    assert state(copy, env) == before
    assert f"params.yaml: {key}: expected" in fails("abstracts", stage, cwd=copy, env=env)
    assert state(copy, env) == before


def test_a_missing_raw_folder_changes_nothing(project):
    copy, env = project
    shutil.rmtree(copy / "raw")
    before = state(copy, env)
    message = "Error: raw: no such folder; put the raw dumps in raw/"
    assert fails("abstracts", "check", cwd=copy, env=env) == message
    make = ["make", "dataset", f"VENV={Path(sys.executable).parents[1]}"]
    assert fails(*make, cwd=copy, env=env) == message
    assert fails("abstracts", "parse", cwd=copy, env=env) == message
    # DVC hashes a stage's dependencies before it runs it, and says so its own way.
    done = sh("dvc", "repro", cwd=copy, env=env, check=False)
    assert done.returncode and "failed to reproduce 'parse'" in done.stderr
    assert state(copy, env) == before


def test_an_empty_raw_folder_or_one_without_abstracts_publishes_nothing(project):
    copy, env = project
    for dump in (copy / "raw").iterdir():
        dump.unlink()
    before = state(copy, env)
    assert "raw: no file in it" in fails("dvc", "repro", cwd=copy, env=env)
    assert state(copy, env) == before
    (copy / "raw" / "noise.txt").write_text("Download PDF\n")
    message = fails("dvc", "repro", cwd=copy, env=env)
    assert "no abstract to publish: the 1 files in raw/ hold none (1 rejects)" in message
    assert state(copy, env)[1] == before[1]  # the release


def test_other_data_under_a_released_version_is_refused(project):
    copy, env = project
    shutil.copy(ACL / "2018.lilt.txt", copy / "raw")
    before = state(copy, env)[1]
    message = fails("dvc", "repro", cwd=copy, env=env)
    assert "was released with other data (registry/releases.tsv)" in message
    assert state(copy, env)[1] == before
    set_version(copy, "0.9.0")
    assert "below the last release" in fails("dvc", "repro", cwd=copy, env=env)
    assert state(copy, env)[1] == before
    version = sh("abstracts", "diff", "--help", cwd=copy, env=env)  # any command still works
    assert version.returncode == 0
    set_version(copy, next_version(released_version(copy), "minor"))
    sh("dvc", "repro", cwd=copy, env=env)
    assert state(copy, env)[1] != before


def released_version(copy: Path) -> str:
    return (copy / "registry/releases.tsv").read_text().splitlines()[-1].split("\t")[0]


def test_a_damaged_release_is_an_error_for_stats_and_show(project):
    copy, env = project
    shard = next((copy / "dist/abstracts/data/default").glob("*.parquet"))
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.chmod(0o644)
    shard.unlink()  # DVC links the cache: write a new file, never into the cached one
    shard.write_bytes(bytes(data))
    damaged = f"{shard.relative_to(copy / 'dist/abstracts')}: SHA-256 differs from SHA256SUMS"
    assert damaged in fails("abstracts", "stats", cwd=copy, env=env)
    assert damaged in fails("abstracts", "show", "0123456789abcdef", cwd=copy, env=env)
    sh("dvc", "checkout", "--force", "dist/abstracts", cwd=copy, env=env)
    assert "version" in sh("abstracts", "stats", cwd=copy, env=env).stdout
