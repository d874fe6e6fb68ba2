"""`occurrences`: one row per abstract found in a raw file."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.abstracts import ID_PATTERN
from schemas.fields import ENCODINGS, RawSpan

MATCH_KINDS = {
    "exact": "same text as the abstract's, up to case, punctuation and spacing",
    "truncated": "a copy cut off: its text is a prefix of the abstract's",
    "near": "a few words changed or a sentence added (verified MinHash similarity)",
}


# The columns of labelled fields (`parse.fields` in params.yaml names its labels).
FIELDS = ("title", "authors", "keywords", "doi", "url", "arxiv_id")


class RawText(RawSpan):
    """A span's text, as it stands in the raw file."""

    text_raw: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="the span decoded, exactly as it stands (marker included)",
    )


class Record(RawSpan):
    """How an occurrence was decoded, and the labelled fields found with its record."""

    encoding: Series[str] = pa.Field(
        isin=ENCODINGS,
        description="how the span was decoded: utf-8, the legacy fallback cp1252, or the "
        "utf-16/utf-32 variant a byte-order mark declared",
    )
    # Labelled fields found with the record (`parse.fields`), null where absent.
    title: Series[str] = pa.Field(nullable=True, description="the record's `Title:` line")
    authors: Series[str] = pa.Field(nullable=True, description="its `Authors:` line, as written")
    keywords: Series[str] = pa.Field(nullable=True, description="its `Keywords:` line")
    doi: Series[str] = pa.Field(nullable=True, description="its `DOI:` line")
    url: Series[str] = pa.Field(nullable=True, description="its `URL:` line")
    arxiv_id: Series[str] = pa.Field(nullable=True, description="its `arXiv:` line")


class ParsedOccurrences(Record, RawText):
    """One row per abstract found in a raw file, from its marker to its last character."""

    class Config:
        name = "parsed_occurrences"


class Linked(pa.DataFrameModel):
    """The abstract an occurrence was merged into, and how it matched."""

    abstract_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, description="the `id` of the abstract it was merged into"
    )
    match: Series[str] = pa.Field(
        isin=list(MATCH_KINDS), description="how it matched its abstract: exact, truncated, near"
    )


class Occurrences(Linked, ParsedOccurrences):
    """A parsed occurrence with the abstract it was merged into, and how it matched."""

    class Config:
        name = "occurrences"
