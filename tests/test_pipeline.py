"""End to end: DVC runs the real pipeline in a copy of the project."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT


def sh(*args, cwd, env):
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path):
    """A git repository holding the project's own files, as a fresh clone would."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    copy = tmp_path / "project"
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": str(tmp_path / "dvc-site-cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    sh("git", "init", "-q", cwd=copy, env=env)
    sh("git", "add", "-A", cwd=copy, env=env)
    sh("git", "commit", "-qm", "copy", cwd=copy, env=env)
    return copy, env


@pytest.mark.slow
def test_dvc_repro_builds_what_is_committed(project):
    copy, env = project
    sh("dvc", "repro", cwd=copy, env=env)
    assert pq.read_table(copy / "build/parse/occurrences.parquet").num_rows == 26
    assert pq.read_table(copy / "build/parse/rejects.parquet").num_rows == 1
    # dvc.lock, metrics and exported schemas in git are exactly what the code builds.
    assert sh("git", "status", "--porcelain", cwd=copy, env=env).stdout == ""
    assert "up to date" in sh("dvc", "status", cwd=copy, env=env).stdout
    metrics = sh("dvc", "metrics", "show", cwd=copy, env=env).stdout
    assert "rejects_by_reason.outside_abstract" in metrics


@pytest.mark.slow
def test_a_new_dump_reruns_parse_only(project):
    copy, env = project
    sh("dvc", "repro", cwd=copy, env=env)
    (copy / "raw" / "new.txt").write_text("Abstract: A new one.\n", encoding="utf-8")
    out = sh("dvc", "repro", cwd=copy, env=env).stdout
    assert "Running stage 'parse'" in out and "Running stage 'schemas'" not in out
    assert pq.read_table(copy / "build/parse/occurrences.parquet").num_rows == 27
