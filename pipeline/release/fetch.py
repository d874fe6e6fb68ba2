"""A release folder from where a user says it is: a folder, a released version (fetched
at the commit that recorded it in the history of releases), or a git revision."""

import re
import subprocess
from pathlib import Path

from pipeline.release import history
from pipeline.release.reader import ReleaseError

VERSION = re.compile(r"\d+\.\d+\.\d+")


def folder(where: str, tmp: Path, releases: Path) -> Path:
    """The release at `where`, fetched under `tmp` with DVC if it is no folder."""
    if Path(where).is_dir():
        return Path(where)
    return get(where, tmp / re.sub(r"\W", "_", where), releases)


def get(where: str, out: Path, releases: Path) -> Path:
    """dist/abstracts of a released version or at a git revision, fetched to `out` from the
    DVC cache or remote."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo
    from dvc_data.index.index import DataIndexError

    rev = recorded_at(where, releases) if VERSION.fullmatch(where) else where
    try:
        Repo.get(".", "dist/abstracts", out=str(out), rev=rev)
    except FileNotFoundError:
        raise ReleaseError(
            f"{where}: no such folder, and no dist/abstracts at that revision"
        ) from None
    except DataIndexError:
        raise ReleaseError(
            f"{where}: its dist/abstracts is in neither the DVC cache nor the remote: push it "
            "from a clone that has it (`dvc push` at that revision), or give a release folder"
        ) from None
    except (DvcException, OSError) as error:
        raise ReleaseError(
            f"{where}: neither a folder nor a revision with a release ({error}); give a "
            "release folder, a released version or a git revision"
        ) from None
    return out


def recorded_at(version: str, releases: Path) -> str:
    """The commit that recorded `version` in the history of releases."""
    if version not in {r.version for r in history.read(releases)}:
        raise ReleaseError(f"{version}: no such release in {releases}, and no such folder")
    found = _git(
        "log", "--format=%H", "--reverse", "-G", f"^{re.escape(version)}\t", "--", releases
    )
    if not found.split():
        raise ReleaseError(
            f"release {version} is recorded in {releases} but not committed: commit it, or "
            "give its folder"
        )
    return found.split()[0]


def previous(new: Path, releases: Path) -> str | None:
    """The version to compare the release in `new` with: the last release before it if it
    is a recorded release, byte for byte; else the last release recorded. None if there is
    none."""
    if not releases.exists():
        raise ReleaseError(
            f"{releases}: no history of releases here to find the last one; give the old "
            "release: `abstracts diff OLD [NEW]`"
        )
    known, this = history.read(releases), history.of_folder(new)
    if any((r.version, r.data_sha256) == (this.version, this.data_sha256) for r in known):
        known = [r for r in known if history.order(r.version) < history.order(this.version)]
    return known[-1].version if known else None


def _git(*args) -> str:
    done = subprocess.run(["git", *map(str, args)], capture_output=True, text=True)
    if done.returncode:
        raise ReleaseError(f"git {args[0]}: {done.stderr.strip() or 'failed'}")
    return done.stdout
