"""The card's YAML and the shards' features, written without `datasets`, are exactly what
`datasets` and huggingface_hub write."""

import pyarrow as pa
import pytest
from datasets import Features
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from pipeline.release import card
from pipeline.release.layout import CONFIGS, SPLIT, features, pattern, published_schema


def hub_front_matter(meta: dict, schemas: dict, rows: dict, sizes: dict) -> str:
    """The card's YAML header as `datasets` writes it into huggingface_hub's card data."""
    data = DatasetCardData(
        pretty_name=meta["pretty_name"],
        license=meta["license"],
        language=meta["language"],
        task_categories=meta["task_categories"],
        size_categories=[card.size_category(rows["default"])],
        version=meta["version"],
        configs=[
            {
                "config_name": config,
                "data_files": [{"split": SPLIT, "path": pattern(config)}],
                **({"default": True} if config == "default" else {}),
            }
            for config in CONFIGS
        ],
    )
    infos = {
        config: DatasetInfo(
            features=Features.from_arrow_schema(schemas[config]),
            splits=SplitDict(
                {
                    SPLIT: SplitInfo(
                        name=SPLIT, num_bytes=sizes[config][0], num_examples=rows[config]
                    )
                }
            ),
            download_size=sizes[config][1],
            dataset_size=sizes[config][0],
            config_name=config,
        )
        for config in CONFIGS
    }
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return f"---\n{data.to_yaml()}\n---\n"


@pytest.mark.parametrize("config", CONFIGS)
def test_features_are_those_datasets_reads_from_the_schema(config):
    schema = published_schema(config)
    assert features(schema) == Features.from_arrow_schema(schema).to_dict()


def test_an_arrow_type_with_no_value_type_is_refused():
    with pytest.raises(TypeError, match="no `datasets` value type for the Arrow type double"):
        features(pa.schema([("x", pa.float64())]))


@pytest.mark.parametrize("default_rows", [0, 999, 12_345, 2_000_000_000])
def test_the_front_matter_is_the_one_datasets_writes(params, default_rows):
    meta = params.publish() | {"pretty_name": "Abstracts: ünïcode, 'quotes'", "language": ["en"]}
    schemas = {config: published_schema(config) for config in CONFIGS}
    rows = {"default": default_rows, "occurrences": 3 * default_rows, "rejects": 7}
    sizes = {config: (11 * n + 1, 5 * n + 2) for config, n in rows.items()}
    assert card.front_matter(meta, schemas, rows, sizes) == hub_front_matter(
        meta, schemas, rows, sizes
    )
