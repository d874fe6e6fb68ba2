"""Read a release folder back, with errors that say which file is wrong and what to do."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.release.layout import CONFIGS


class ReleaseError(ValueError):
    """A release folder is missing, incomplete or unreadable."""


def read_config(folder: Path, config: str, columns: list[str] | None = None) -> pa.Table | None:
    """All the rows of one config of the release in `folder` (only `columns` if given),
    or None without a shard."""
    tables = []
    for shard in shards(folder, config):
        try:
            tables.append(pq.read_table(shard, columns=columns))
        except (pa.ArrowInvalid, OSError) as error:
            raise ReleaseError(
                f"{shard}: unreadable ({error}); run `abstracts verify {folder}`"
            ) from None
    return pa.concat_tables(tables) if tables else None


def shards(folder: Path, config: str) -> list[Path]:
    """The Parquet shards of one config of the release in `folder`, in order."""
    return sorted((folder / "data" / config).glob("*.parquet"))


def read_release(
    folder: Path, columns: dict[str, list[str]] | None = None
) -> tuple[str, dict[str, pa.Table]]:
    """The version and every config's table of the release in `folder`, with only the
    `columns` of each config if given."""
    if not folder.is_dir():
        raise ReleaseError(f"{folder}: no such folder; build it with `make dataset`")
    tables = {}
    for config in CONFIGS:
        table = read_config(folder, config, (columns or {}).get(config))
        if table is None:
            raise ReleaseError(f"{folder}/data/{config}: no Parquet shard; not a release folder")
        tables[config] = table
    metadata = tables["default"].schema.metadata or {}
    return metadata.get(b"abstracts.version", b"unknown").decode(), tables
