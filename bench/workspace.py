"""Copies of the project to run its commands in, as a user with a fresh clone would."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def corpus(name: str) -> Path:
    """The real corpus `name` in ../shared/corpora, beside the project; exit if it is not
    there."""
    path = CORPORA / name
    if not path.is_dir():
        sys.exit(f"{path}: no such folder; the benchmarks read the real corpora there")
    return path


def sh(*args, cwd, env, check=True):
    """Run a command as a user would; its output is kept for the assertion messages."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


def copy_project(target: Path, home: Path, skip: tuple[str, ...] = ()) -> tuple[Path, dict]:
    """A git repository holding the project's own files, as a fresh clone would, less the
    top-level folders in `skip`, and the environment to run its commands in (HOME apart,
    so DVC's default remote is private)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file() and Path(name).parts[0] not in skip:
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
