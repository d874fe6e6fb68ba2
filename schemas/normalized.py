"""`normalized_occurrences`: a parsed occurrence with its clean text and features."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.features import TextFeatures
from schemas.occurrences import ParsedOccurrences


class NormalizedOccurrences(TextFeatures, ParsedOccurrences):
    """A parsed occurrence with its clean text, flags, enrichment and dedup key."""

    key: Series[str] = pa.Field(
        description="the text with case, punctuation and spacing folded: equal keys are "
        "exact duplicates"
    )

    class Config:
        name = "normalized_occurrences"
