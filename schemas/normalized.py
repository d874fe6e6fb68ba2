"""`normalized_occurrences`: a parsed occurrence with its clean text and flags."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.occurrences import ParsedOccurrences


class NormalizedOccurrences(ParsedOccurrences):
    """A parsed occurrence with its clean text and the flags dedup ranks copies by."""

    text: Series[str] = pa.Field(description="the clean text (see the normalization rules)")
    is_truncated: Series[bool] = pa.Field(description="the text stops before its end")
    has_lost_characters: Series[bool] = pa.Field(
        description="characters were probably lost in scraping (`Metas Llama`)"
    )
    has_math: Series[bool] = pa.Field(description="the raw text holds LaTeX math")

    class Config:
        name = "normalized_occurrences"
