"""`abstracts`: one row per abstract, the dataset's default config."""

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

STRINGS = Annotated[pd.ArrowDtype, pyarrow.list_(pyarrow.string())]


class Abstracts(pa.DataFrameModel):
    """One clean row per abstract, its duplicates merged."""

    id: Series[str] = pa.Field(
        unique=True,
        str_matches=r"^[0-9a-f]{16}$",
        description="stable identifier: derived from the content, the same in every build",
    )
    text: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="the clean abstract: whitespace folded, Unicode repaired and NFC, "
        "LaTeX and TeX quotes rendered as Unicode text",
    )
    is_truncated: Series[bool] = pa.Field(
        description="the text stops before its end (cut mid-word or mid-sentence)"
    )
    n_occurrences: Series[int] = pa.Field(
        ge=1, description="how many times it was found in raw/ (exact and near duplicates)"
    )
    n_sources: Series[int] = pa.Field(ge=1, description="how many raw files it was found in")
    has_lost_characters: Series[bool] = pa.Field(
        description="characters were probably lost in scraping (`Metas Llama` for `Meta's`)"
    )
    has_math: Series[bool] = pa.Field(description="the raw text held LaTeX math")
    is_too_short: Series[bool] = pa.Field(
        description="fewer words than `abstracts.min_words` in params.yaml"
    )
    is_too_long: Series[bool] = pa.Field(
        description="more words than `abstracts.max_words` in params.yaml"
    )
    is_legacy_decoded: Series[bool] = pa.Field(
        description="the text was decoded with the legacy fallback (cp1252)"
    )
    n_words: Series[int] = pa.Field(ge=1, description="words in `text` (split on whitespace)")
    n_chars: Series[int] = pa.Field(ge=1, description="characters in `text`")
    urls: Series[STRINGS] = pa.Field(description="the URLs in the text, as written")
    code_repositories: Series[STRINGS] = pa.Field(
        description="links to code hosts as `host/owner/repo` (github.com, gitlab.com, ...)"
    )
    releases_code: Series[bool] = pa.Field(
        description="the text says code is (or will be) released"
    )
    releases_data: Series[bool] = pa.Field(
        description="the text says data is (or will be) released"
    )
    releases_models: Series[bool] = pa.Field(
        description="the text says models are (or will be) released"
    )

    class Config:
        name = "abstracts"
        strict = True
        coerce = False
