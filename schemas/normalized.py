"""`normalized_occurrences`: a parsed occurrence with its clean text and features."""

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

from schemas.features import TextFeatures
from schemas.occurrences import ParsedOccurrences


class NormalizedOccurrences(TextFeatures, ParsedOccurrences):
    """A parsed occurrence with its clean text, flags, enrichment and dedup key."""

    key: Series[str] = pa.Field(
        description="the text with case, punctuation and spacing folded: equal keys are "
        "exact duplicates"
    )
    lsh: Series[Annotated[pd.ArrowDtype, pyarrow.list_(pyarrow.uint64())]] = pa.Field(
        description="the key's MinHash LSH band hashes (`dedup.bands` of them): keys that "
        "share one are near-duplicate candidates"
    )

    class Config:
        name = "normalized_occurrences"
