"""Where each config of a release lives, and its schema."""

import json

import pyarrow as pa

from schemas import Abstracts, Occurrences, Rejects
from schemas.derive import arrow_schema

CONFIGS = {"default": Abstracts, "occurrences": Occurrences, "rejects": Rejects}
SPLIT = "train"


def pattern(config: str) -> str:
    """The glob of a config's Parquet shards, relative to the release folder."""
    return f"data/{config}/{SPLIT}-*.parquet"


def shard(config: str, index: int, count: int) -> str:
    return f"data/{config}/{SPLIT}-{index:05d}-of-{count:05d}.parquet"


def published_schema(config: str, version: str) -> pa.Schema:
    """A config's Arrow schema with the `datasets` features and the release version."""
    from datasets import Features  # slow to import: only where a release is written

    schema = arrow_schema(CONFIGS[config])
    features = Features.from_arrow_schema(schema)
    return schema.with_metadata(
        {
            "huggingface": json.dumps({"info": {"features": features.to_dict()}}),
            "abstracts.version": version,
        }
    )
