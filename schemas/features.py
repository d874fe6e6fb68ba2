"""What normalization and enrichment derive from one abstract's text."""

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

STRINGS = Annotated[pd.ArrowDtype, pyarrow.list_(pyarrow.string())]


class TextFeatures(pa.DataFrameModel):
    """A clean abstract text, its quality flags and what users ask of it."""

    text: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="the clean abstract: whitespace folded, Unicode repaired and NFC, TeX "
        "markup rendered; a formula rendered as Unicode where faithful, else kept as written",
    )
    is_truncated: Series[bool] = pa.Field(
        description="the text stops before its end (cut mid-word or mid-sentence)"
    )
    has_lost_characters: Series[bool] = pa.Field(
        description="characters were probably lost in scraping (`Metas Llama` for `Meta's`)"
    )
    has_math: Series[bool] = pa.Field(description="the raw text held LaTeX math")
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
