"""`occurrences`: one row per abstract found in a raw file."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.fields import ENCODINGS, RawSpan


class Occurrences(RawSpan):
    """One row per abstract found in a raw file, from its marker to its last character."""

    text_raw: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="the span decoded, exactly as it stands (marker included)",
    )
    encoding: Series[str] = pa.Field(
        isin=ENCODINGS,
        description="how the span was decoded: utf-8, or the legacy fallback cp1252",
    )

    class Config:
        name = "occurrences"
