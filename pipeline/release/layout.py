"""Where each config of a release lives, and its schema."""

import json

import pyarrow as pa

from schemas import Abstracts, Occurrences, Rejects
from schemas.derive import arrow_schema

CONFIGS = {"default": Abstracts, "occurrences": Occurrences, "rejects": Rejects}
SPLIT = "train"
# The key of each Parquet file's metadata naming the release's version, in releases up
# to 1.1.0 (`abstracts verify` still reads them).
LEGACY_VERSION = b"abstracts.version"
# The `datasets` value type of each Arrow type the configs hold, so that a release is
# written without importing `datasets` (0.45 s); tests/test_card.py checks the features
# and the card against `datasets`' own.
DTYPES = {pa.string(): "string", pa.bool_(): "bool", pa.int64(): "int64"}


def pattern(config: str) -> str:
    """The glob of a config's Parquet shards, relative to the release folder."""
    return f"data/{config}/{SPLIT}-*.parquet"


def shard(config: str, index: int, count: int) -> str:
    return f"data/{config}/{SPLIT}-{index:05d}-of-{count:05d}.parquet"


def features(schema: pa.Schema) -> dict:
    """The `datasets` features of `schema`, as `datasets.Features.to_dict` gives them."""

    def feature(kind: pa.DataType) -> dict:
        if pa.types.is_list(kind):
            return {"feature": feature(kind.value_type), "_type": "List"}
        if kind not in DTYPES:
            raise TypeError(f"no `datasets` value type for the Arrow type {kind}")
        return {"dtype": DTYPES[kind], "_type": "Value"}

    return {field.name: feature(field.type) for field in schema}


def published_schema(config: str) -> pa.Schema:
    """A config's Arrow schema with the `datasets` features. Not the release's version
    (the card and croissant.json say it): a version bump leaves every shard the same
    bytes, so publish keeps them and releases share their unchanged files."""
    schema = arrow_schema(CONFIGS[config])
    info = {"info": {"features": features(schema)}}
    return schema.with_metadata({"huggingface": json.dumps(info)})
