"""Shared fixtures: the project's own params, the seeds, the real corpus, project copies."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pipeline.config import Params

# `datasets` caches what tests load: keep it out of the user's cache, and offline.
os.environ.setdefault("HF_DATASETS_CACHE", tempfile.mkdtemp(prefix="hf-datasets-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
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
def rules(parse_settings):
    return parse_settings[0]


@pytest.fixture(scope="session")
def acl_corpus():
    if not ACL.is_dir():
        pytest.skip(f"the ACL corpus is not at {ACL} (it ships in ../shared/corpora)")
    return ACL


def sh(*args, cwd, env, check=True):
    """Run a command as a user would; its output is kept for the assertion messages."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


def copy_project(target: Path, home: Path) -> tuple[Path, dict]:
    """A git repository holding the project's own files, as a fresh clone would, and the
    environment to run its commands in (HOME apart, so DVC's default remote is private)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": str(home / "dvc-site-cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    sh("git", "init", "-q", "-b", "main", cwd=target, env=env)
    sh("git", "add", "-A", cwd=target, env=env)
    sh("git", "commit", "-qm", "copy", cwd=target, env=env)
    return target, env


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project", tmp_path / "home")


def run_pipeline(raw: Path, out: Path, params: Params) -> Path:
    """Parse, normalize, dedup and publish `raw` in-process under `out`; return the release."""
    from pipeline.stages import dedup, normalize, parse, publish

    rules, ratio = params.parse()
    stats = parse.run(raw, out / "parse", out / "parse.json", rules, ratio, 2)
    normalize.run(out / "parse", out / "normalize", params.batch_rows(), 2)
    stats |= dedup.run(
        out / "normalize", out / "dedup", out / "dedup.json", params.dedup(), params.lengths()
    )
    values = params.publish()
    publish.run(
        out / "dedup",
        out / "parse",
        stats,
        "# Changelog\n",
        out / "abstracts",
        values,
    )
    return out / "abstracts"
