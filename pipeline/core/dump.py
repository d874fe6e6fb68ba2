"""Parse one raw dump's bytes into `occurrences` and `rejects` rows."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.core.coverage import check_coverage
from pipeline.core.decode import body_start, decode, is_text
from pipeline.core.segment import Rules, Span, segment


@dataclass
class ParsedDump:
    """The rows of one raw file, in byte order, and what was counted on the way."""

    occurrences: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    empty: bool = False
    not_text: bool = False


def _line_numbers(data: bytes, offsets: Iterable[int]) -> dict[int, int]:
    """1-based line numbers of many offsets, counting newlines once."""
    lines, line, last = {}, 1, 0
    for offset in sorted(set(offsets)):
        line += data.count(b"\n", last, offset)
        lines[offset], last = line, offset
    return lines


def parse_dump(data: bytes, source: str, rules: Rules, max_control_ratio: float) -> ParsedDump:
    """Rows for every span of `data`, the raw file at `source` (relative to raw/)."""
    start = body_start(data)
    if not data[start:].strip():
        return ParsedDump(empty=True)
    if not is_text(data[start:], max_control_ratio):
        start, spans = 0, [Span(0, len(data), "not_text")]
    else:
        body = data[start:]
        spans = [
            Span(a + start, b + start, reason)
            for a, b, reason in segment(body, rules, lambda raw: decode(raw)[0])
        ]
    check_coverage(data, start, spans)
    lines = _line_numbers(data, [o for s in spans for o in (s.start, s.end - 1)])
    parsed = ParsedDump(not_text=spans[0].reason == "not_text")
    for span in spans:
        row = {
            "source": source,
            "byte_start": span.start,
            "byte_end": span.end,
            "line_start": lines[span.start],
            "line_end": lines[span.end - 1],
        }
        if parsed.not_text:
            parsed.rejects.append({**row, "reason": span.reason, "text": None, "encoding": None})
            continue
        text, encoding = decode(data[span.start : span.end])
        if span.reason is None:
            parsed.occurrences.append({**row, "text_raw": text, "encoding": encoding})
        else:
            parsed.rejects.append(
                {**row, "reason": span.reason, "text": text, "encoding": encoding}
            )
    return parsed
