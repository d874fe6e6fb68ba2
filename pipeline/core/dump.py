"""Parse one raw dump's bytes into `occurrences` and `rejects` rows."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.core.coverage import check_coverage
from pipeline.core.decode import is_text
from pipeline.core.segment import Rules, Span, segment
from pipeline.core.view import Unreadable, compression, view


@dataclass
class ParsedDump:
    """The rows of one raw file, in byte order, and what was counted on the way."""

    occurrences: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    empty: bool = False
    not_text: bool = False
    encoding: str | None = None  # a UTF-16/32 file's, declared by its byte-order mark
    compression: str | None = None


def _line_numbers(data: bytes, offsets: Iterable[int]) -> dict[int, int]:
    """1-based line numbers of many offsets, counting newlines once."""
    lines, line, last = {}, 1, 0
    for offset in sorted(set(offsets)):
        line += data.count(b"\n", last, offset)
        lines[offset], last = line, offset
    return lines


def parse_dump(data: bytes, source: str, rules: Rules, max_control_ratio: float) -> ParsedDump:
    """Rows for every span of `data`, the raw file at `source` (relative to raw/)."""
    try:
        seen = view(data)
    except Unreadable as unreadable:
        return _unreadable(data, source, unreadable.reason)
    body = seen.data[seen.start :]
    if not body.strip():
        return ParsedDump(empty=True, encoding=seen.encoding, compression=seen.compression)
    if not is_text(body, max_control_ratio):
        return _unreadable(data, source, "not_text")
    spans = [
        Span(a + seen.start, b + seen.start, reason, record)
        for a, b, reason, record in segment(body, rules)
    ]
    check_coverage(seen.data, seen.start, spans)
    lines = _line_numbers(seen.data, [o for s in spans for o in (s.start, s.end - 1)])
    bounds = [o for s in spans for o in (s.start, s.end)]
    raw = dict(zip(bounds, seen.raw_offsets(bounds), strict=True))
    parsed = ParsedDump(encoding=seen.encoding, compression=seen.compression)
    fields = {}  # record: its fields' values, the first given of each column
    columns = dict.fromkeys(column for column, _ in rules.fields)
    for span in spans:
        text, encoding = seen.text(raw[span.start], raw[span.end])
        row = {
            "source": source,
            "byte_start": raw[span.start],
            "byte_end": raw[span.end],
            "line_start": lines[span.start],
            "line_end": lines[span.end - 1],
            "encoding": encoding,
        }
        if span.reason is None:
            parsed.occurrences.append({**row, "text_raw": text, "record": span.record})
        else:
            parsed.rejects.append({**row, "reason": span.reason, "text": text})
        if span.reason == "field":
            column, value = rules.field(text)
            if value is not None:
                fields.setdefault(span.record, {}).setdefault(column, value)
    for occurrence in parsed.occurrences:
        occurrence |= columns | fields.get(occurrence.pop("record"), {})
    return parsed


def _unreadable(data: bytes, source: str, reason: str) -> ParsedDump:
    """A file that cannot be read as text: one reject spanning the whole file as received."""
    row = {"source": source, "byte_start": 0, "byte_end": len(data), "line_start": 1}
    row["line_end"] = data.count(b"\n", 0, len(data) - 1) + 1
    reject = {**row, "reason": reason, "text": None, "encoding": None}
    return ParsedDump(rejects=[reject], not_text=True, compression=compression(data))
