"""Fields shared by every table that points into a raw file."""

import pandera.pandas as pa
from pandera.typing import Series

import schemas.checks  # noqa: F401  (registers the checks named in Config)

ENCODINGS = ("utf-8", "cp1252", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


class SpanKey(pa.DataFrameModel):
    """What identifies a span: its raw file and first byte."""

    source: Series[str] = pa.Field(
        str_matches=r"^[^/].*$",
        description="the raw file's path relative to raw/, with / separators",
    )
    byte_start: Series[int] = pa.Field(
        ge=0, description="first byte of the span in the raw file (0-based)"
    )


# The columns that identify a span, hence an occurrence.
KEY = tuple(SpanKey.to_schema().columns)


class RawSpan(SpanKey):
    """Where a span lies in its raw file."""

    byte_end: Series[int] = pa.Field(
        gt=0, description="the byte after the span's last non-whitespace byte (half-open)"
    )
    line_start: Series[int] = pa.Field(ge=1, description="1-based line of byte_start")
    line_end: Series[int] = pa.Field(ge=1, description="1-based line of the span's last byte")

    class Config:
        strict = True
        coerce = False
        unique = list(KEY)
        span_ordered = ()
