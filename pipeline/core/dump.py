"""Parse one raw dump's bytes into `occurrences` and `rejects` tables, built a column at
a time."""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.coverage import check_coverage, line_of
from pipeline.core.decode import is_text
from pipeline.core.segment import Rules, segment
from pipeline.core.view import Unreadable, View, compression, view


class Spans(NamedTuple):
    """A file's spans (`segment.Span`) as columns, in byte order."""

    start: np.ndarray
    end: np.ndarray
    reason: list[str | None]
    record: list[int | None]

    @classmethod
    def of(cls, spans: list, shift: int = 0) -> "Spans":
        """The columns of `spans`, their offsets moved by `shift`."""
        columns = map(list, zip(*spans, strict=True)) if spans else ([] for _ in range(4))
        start, end, reason, record = columns
        offsets = (np.array(column, np.int64) + shift for column in (start, end))
        return cls(*offsets, reason, record)


@dataclass
class ParsedDump:
    """The rows of one raw file, in byte order, and what was counted on the way."""

    # Each with where its rows stand (source, byte offsets, lines, encoding), then its own
    # (None once the parse stage has taken them):
    occurrences: pa.Table | None  # `text_raw`, then a column per configured field
    rejects: pa.Table | None  # `reason`, `text`
    empty: bool = False
    not_text: bool = False
    encoding: str | None = None  # a UTF-16/32 file's, declared by its byte-order mark
    compression: str | None = None


def parse_dump(data: bytes, source: str, rules: Rules, max_control_ratio: float) -> ParsedDump:
    """Rows for every span of `data`, the raw file at `source` (relative to raw/)."""
    try:
        seen = view(data)
    except Unreadable as unreadable:
        return _unreadable(data, source, unreadable.reason, rules)
    body = seen.data[seen.start :]
    if not body.strip():
        return _parsed(seen, source, rules, Spans.of([]))
    if not is_text(body, max_control_ratio):
        return _unreadable(data, source, "not_text", rules)
    spans = Spans.of(segment(body, rules), seen.start)
    check_coverage(seen.data, seen.start, spans.start, spans.end)
    return _parsed(seen, source, rules, spans)


def _parsed(seen: View, source: str, rules: Rules, spans: Spans) -> ParsedDump:
    """The rows of the `spans` of a file seen as `seen` (none: it is empty)."""
    starts, ends = spans.start, spans.end
    newlines = np.flatnonzero(np.frombuffer(seen.data, np.uint8) == 10)  # lines counted once
    raw = {"byte_start": seen.raw_offsets(starts), "byte_end": seen.raw_offsets(ends)}
    lines = {"line_start": newlines.searchsorted(starts) + 1}
    lines["line_end"] = newlines.searchsorted(ends - 1) + 1
    texts, encodings = seen.texts(raw["byte_start"], raw["byte_end"])
    tables = _tables(source, spans, raw | lines, texts, encodings, rules)
    empty = not len(starts)
    return ParsedDump(*tables, empty, encoding=seen.encoding, compression=seen.compression)


def _tables(source: str, spans: Spans, columns: dict, texts, encodings, rules: Rules):
    """The occurrences and the rejects among `spans`, from the columns of all: their byte
    offsets and lines (`columns`), their texts and their encodings."""
    where = {"source": pa.array([source] * len(spans.reason), pa.string())}
    where |= {name: pa.array(values, pa.int64()) for name, values in columns.items()}
    where["encoding"] = encodings
    reasons = pa.array(spans.reason, pa.string())
    kept = pc.is_null(reasons)
    occurrences = {name: column.filter(kept) for name, column in where.items()}
    occurrences["text_raw"] = texts.filter(kept)
    occurrences |= _fields(spans, texts, rules)
    rejected = pc.invert(kept)
    rejects = {name: column.filter(rejected) for name, column in where.items()}
    rejects |= {"reason": reasons.filter(rejected), "text": texts.filter(rejected)}
    return pa.table(occurrences), pa.table(rejects)


def _fields(spans: Spans, texts: pa.Array, rules: Rules) -> dict[str, pa.Array]:
    """The labelled fields' columns of the occurrences among `spans`: the values of each
    one's record's fields, the first given of each column."""
    records = [r for r, reason in zip(spans.record, spans.reason, strict=True) if reason is None]
    row = {record: k for k, record in enumerate(records)}  # each record's occurrence
    values = {column: [None] * len(records) for column, _ in rules.fields}
    for k, (record, reason) in enumerate(zip(spans.record, spans.reason, strict=True)):
        if reason == "field" and record in row:
            column, value = rules.field(texts[k].as_py())
            if value is not None and values[column][row[record]] is None:
                values[column][row[record]] = value
    return {column: pa.array(found, pa.string()) for column, found in values.items()}


def _unreadable(data: bytes, source: str, reason: str, rules: Rules) -> ParsedDump:
    """A file that cannot be read as text: one reject spanning the whole file as received."""
    columns = {"byte_start": [0], "byte_end": [len(data)], "line_start": [1]}
    columns["line_end"] = [line_of(data, len(data) - 1)]
    nothing = pa.nulls(1, pa.string())
    spans = Spans(np.array([0]), np.array([len(data)]), [reason], [None])
    tables = _tables(source, spans, columns, nothing, nothing, rules)
    return ParsedDump(*tables, not_text=True, compression=compression(data))
