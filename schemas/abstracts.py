"""`abstracts`: one row per abstract, the dataset's default config."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.features import TextFeatures

ID_PATTERN = r"^[0-9a-f]{16}$"


class Identity(pa.DataFrameModel):
    id: Series[str] = pa.Field(
        unique=True,
        str_matches=ID_PATTERN,
        description="stable identifier derived from the content: the same abstract gets the "
        "same id in every build, whatever the names or order of the raw files; once "
        "published, it keeps its id in every later release, whatever copies arrive later",
    )


class Grouped(pa.DataFrameModel):
    """What an abstract's group of duplicates says of it."""

    n_occurrences: Series[int] = pa.Field(
        ge=1, description="how many times it was found in raw/ (exact and near duplicates)"
    )
    n_sources: Series[int] = pa.Field(ge=1, description="how many raw files it was found in")
    is_too_short: Series[bool] = pa.Field(
        description="fewer words than `abstracts.min_words` in params.yaml"
    )
    is_too_long: Series[bool] = pa.Field(
        description="more words than `abstracts.max_words` in params.yaml"
    )
    is_legacy_decoded: Series[bool] = pa.Field(
        description="the text was decoded with the legacy fallback (cp1252)"
    )


class Decided(Grouped, Identity):
    """What dedup decides of an abstract: its id and what its group says of it (the
    columns of `default` that a copy arriving elsewhere may change, validated alone where
    only they changed)."""

    class Config:
        name = "decided"


class Abstracts(Grouped, TextFeatures, Identity):
    """One clean row per abstract, its duplicates merged."""

    title: Series[str] = pa.Field(
        nullable=True, description="the canonical copy's `Title:` line, null where it has none"
    )

    class Config:
        name = "abstracts"
        strict = True
        coerce = False


# The quality, length and release flags: every boolean column, in schema order.
FLAGS = tuple(n for n, c in Abstracts.to_schema().columns.items() if str(c.dtype) == "bool")
