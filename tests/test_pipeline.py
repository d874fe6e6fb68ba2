"""End to end: DVC runs the real pipeline in a copy of the project."""

import json

import pyarrow.parquet as pq
import pytest

from tests.conftest import sh


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
    plots = json.loads(sh("dvc", "plots", "show", "--json", cwd=copy, env=env).stdout)["data"]
    assert sorted(plots) == ["metrics/plots/lengths.csv", "metrics/plots/sources.csv"]


@pytest.mark.slow
def test_a_new_dump_reruns_what_depends_on_raw_only(project):
    copy, env = project
    sh("dvc", "repro", cwd=copy, env=env)
    (copy / "raw" / "new.txt").write_text("Abstract: A new one.\n", encoding="utf-8")
    out = sh("dvc", "repro", cwd=copy, env=env).stdout
    assert "Running stage 'parse'" in out and "Running stage 'schemas'" not in out
    assert pq.read_table(copy / "build/parse/occurrences.parquet").num_rows == 27
