"""Read a release folder back, a shard at a time, with errors that say which file is
wrong and what to do."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import UserError
from pipeline.release import checksums
from pipeline.release.layout import CONFIGS


class ReleaseError(UserError, ValueError):
    """A release folder is missing, incomplete or unreadable."""


def shards(folder: Path, config: str) -> list[Path]:
    """The Parquet shards of one config of the release in `folder`, in order."""
    return sorted((folder / "data" / config).glob("*.parquet"))


def _read(shard: Path, folder: Path, read: Callable):
    """`read(shard)`, or a ReleaseError naming the shard."""
    try:
        return read(shard)
    except (pa.ArrowInvalid, OSError) as error:
        advice = f"run `abstracts verify {folder}`"
        raise ReleaseError(f"{shard}: unreadable ({error}); {advice}") from None


def version(folder: Path) -> str:
    """The version of the release in `folder` (its croissant.json's, `unknown` if that gives
    none), once it is known to hold every config."""
    if not folder.is_dir():
        raise ReleaseError(
            f"{folder}: no such folder; give a release folder (`make dataset` builds "
            "dist/abstracts)"
        )
    for config in CONFIGS:
        if not shards(folder, config):
            raise ReleaseError(f"{folder}/data/{config}: no Parquet shard; not a release folder")
    try:
        return str(croissant(folder)["version"])
    except (ReleaseError, KeyError):
        return "unknown"  # `abstracts verify` names what is wrong with croissant.json


def croissant(folder: Path) -> dict:
    """The release's croissant.json (which names its version and date); ReleaseError if
    it cannot be read as a JSON object."""
    try:
        found = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = None
    if not isinstance(found, dict):
        raise ReleaseError(f"{folder}/croissant.json: unreadable; run `abstracts verify`")
    return found


def checked(folder: Path, written: dict[str, dict] | None = None) -> str:
    """The version of the release in `folder`, once its files match their checksums (those
    publish recorded as `written` and still as recorded are not read: `checksums.check`)."""
    number = version(folder)
    problems = checksums.check(folder, written)
    if problems:
        raise ReleaseError(
            f"{folder}: {problems[0]}{f' (and {len(problems) - 1} more)' if problems[1:] else ''}"
            "; the release is damaged: get it again (`dvc checkout`, `dvc pull`, or `make "
            "dataset`), then `abstracts verify`"
        )
    return number


def config_tables(
    folder: Path, config: str, columns: list[str] | None = None, filters=None
) -> Iterator[pa.Table]:
    """The rows of one config of the release in `folder`, a shard at a time: memory holds
    one shard (only `columns` and the rows passing pyarrow `filters`, if given)."""
    for shard in shards(folder, config):
        yield shard_table(folder, shard, columns, filters)


def shard_table(folder: Path, shard: Path, columns: list[str] | None = None, filters=None):
    """The rows of one `shard` of the release in `folder` (only `columns` and the rows
    passing pyarrow `filters`, if given)."""
    return _read(shard, folder, lambda s: pq.read_table(s, columns=columns, filters=filters))


def read_config(folder: Path, config: str, columns: list[str] | None = None) -> pa.Table | None:
    """All the rows of one config of the release in `folder` (only `columns` if given),
    or None without a shard."""
    tables = list(config_tables(folder, config, columns))
    return pa.concat_tables(tables) if tables else None


def rows_where(folder: Path, config: str, column: str, value) -> list[dict]:
    """The rows of one config of the release in `folder` whose `column` equals `value`."""
    found = config_tables(folder, config, filters=[(column, "=", value)])
    return [row for table in found for row in table.to_pylist()]
