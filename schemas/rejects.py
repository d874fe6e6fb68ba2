"""`rejects`: one row per raw span that is not an abstract."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.fields import ENCODINGS, RawSpan

REJECT_REASONS = {
    "outside_abstract": "text before a file's first `Abstract:` marker, or in a file with none",
    "empty_abstract": "an `Abstract:` marker followed by no letter or digit before the next one",
    "field": "a labelled line of a record (`Title:`, `Authors:`, `Keywords:`, `DOI:`, `URL:`, "
    "`arXiv:`): its value is in the record's occurrence columns, never in its text",
    "placeholder": "a record whose whole text stands in for a missing abstract, such as `N/A`",
    "page_chrome": "a trailing paragraph of page furniture, such as `Download PDF`",
    "trailing_fragment": "a trailing paragraph that is no prose, such as a lone name",
    "not_text": "a whole file that is not text (NUL bytes or mostly control bytes, or a "
    "byte-order mark its bytes belie)",
    "bad_compression": "a whole file that starts as a compressed file (gzip, bz2, xz, zstd) "
    "but does not decompress",
}


# The reasons of a whole file that cannot be read as text: its reject holds no text.
UNREADABLE = ("not_text", "bad_compression")


class Rejects(RawSpan):
    """One row per raw span that is not an abstract, with the reason why."""

    reason: Series[str] = pa.Field(
        isin=list(REJECT_REASONS), description="a short fixed code: see the reject reasons"
    )
    text: Series[str] = pa.Field(
        nullable=True, description="the span decoded, or null where it is not text"
    )
    encoding: Series[str] = pa.Field(
        nullable=True,
        isin=ENCODINGS,
        description="how the span was decoded (as in occurrences), null where not text",
    )

    class Config:
        name = "rejects"
        null_exactly_where = {"column": "text", "key": "reason", "values": list(UNREADABLE)}
