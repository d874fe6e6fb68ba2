"""Cut a big raw file into chunks that parse, one by one, exactly as the whole file parses.

A chunk after the first starts at the line where a record's first span starts: its marker,
or the labelled fields before the marker that are the record's own. Nothing before a chunk's
first record is then `outside_abstract`, and no record, paragraph or line end (a CRLF) lies
across two chunks: each chunk, parsed as a dump of its own, gives the rows the whole file
gives for its bytes once its offsets and line numbers are shifted by where it starts. The
chunks tile the file, so the coverage check of each chunk covers the whole file.

Only a plain text file is cut: a compressed one is read as the bytes it holds, and UTF-16 or
UTF-32 is transcoded, so their offsets map to the file only as a whole; a file that is not
text is one reject. Each is one chunk.
"""

from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from typing import NamedTuple

import pyarrow.compute as pc

from pipeline.core.decode import BOM, are_text
from pipeline.core.dump import ParsedDump, parse_dump
from pipeline.core.segment import MARKER, Rules, segment
from pipeline.core.view import BOMS, compression, lf

CHUNK_BYTES = 16 << 20  # the default of `parse.chunk_bytes`
WINDOW = 1 << 16  # bytes searched at first for the records that start a chunk
HEAD = 16  # bytes enough to hold any byte-order mark or compression's magic number


class Chunk(NamedTuple):
    """Bytes [start, end) of a raw file, the line number of its first byte, and whether it
    is the whole file (else the whole file was found to be text, and the chunk is not
    judged alone)."""

    start: int
    end: int
    line: int = 1
    whole: bool = True


def plan(data: bytes, chunk_bytes: int, rules: Rules, max_control_ratio: float) -> list[Chunk]:
    """The chunks of the raw file `data` (bytes, or anything with a length and byte slices):
    each at least `chunk_bytes` long but the last; the whole file if it cannot be cut."""
    cuts = list(_cuts(data, chunk_bytes, rules)) if _plain(data[:HEAD]) else []
    bounds = list(pairwise([0, *cuts, len(data)]))
    body = len(BOM) if data[:3] == BOM else 0  # what `is_text` judges
    blocks = (data[max(start, body) : end] for start, end in bounds)
    if not cuts or not are_text(blocks, max_control_ratio):
        return [Chunk(0, len(data))]
    chunks = [Chunk(*bounds[0], 1, False)]
    for start, end in bounds[1:]:
        line = chunks[-1].line + _line_ends(data[chunks[-1].start : start])
        chunks.append(Chunk(start, end, line, False))
    return chunks


def parse_chunk(
    data: bytes, chunk: Chunk, source: str, rules: Rules, max_control_ratio: float
) -> ParsedDump:
    """The rows of `data`, the bytes of `chunk` of the raw file at `source`, with the
    offsets and line numbers of the file."""
    # A NUL-free file found to be text as a whole: no chunk of it is judged alone.
    parsed = parse_dump(data, source, rules, max_control_ratio if chunk.whole else 1.0)
    tables = {"occurrences": parsed.occurrences, "rejects": parsed.rejects}
    shift = {"byte_start": chunk.start, "byte_end": chunk.start}
    shift |= {"line_start": chunk.line - 1, "line_end": chunk.line - 1}
    for name, by in shift.items():
        for kind, table in tables.items() if by else ():
            at = table.schema.get_field_index(name)
            tables[kind] = table.set_column(at, name, pc.add(table[name], by))
    return replace(parsed, **tables)


def _plain(head: bytes) -> bool:
    """Whether a file starting with `head` is neither compressed nor UTF-16 or UTF-32."""
    return compression(head) is None and not any(head.startswith(bom) for bom, _ in BOMS)


def _line_ends(data: bytes) -> int:
    """How many line ends (LF, CRLF, lone CR) `data` holds; it splits no CRLF."""
    ends = data.count(b"\n")
    return ends + data.count(b"\r") - data.count(b"\r\n") if b"\r" in data else ends


def _cuts(data: bytes, chunk_bytes: int, rules: Rules) -> Iterator[int]:
    """Where the chunks after the first start."""
    cut = 0
    while (cut := _cut(data, cut + chunk_bytes, rules)) is not None:
        yield cut


def _cut(data: bytes, target: int, rules: Rules) -> int | None:
    """The start of the line of the first span of the second record whose marker's line
    starts at or after `target`, or None if there is no such record."""
    window = WINDOW
    while True:
        start, end = target - 1, min(target + window, len(data))
        # The view's bytes (lone CRs as LFs): the CR of a CRLF split at `end` stays one.
        text = lf(data[start : end + 1])[: end - start]
        markers = list(_marker_lines(text, end == len(data)))
        if len(markers) == 2 or end == len(data):
            break
        window *= 2
    if len(markers) < 2:
        return None
    (first, _), (second, second_end) = markers
    records = text[first:second_end]
    spans = segment(records, rules)
    begin = min(span.start for span in spans if span.record == 1)
    return start + first + records.rfind(b"\n", 0, begin) + 1


def _marker_lines(text: bytes, at_end: bool) -> Iterator[tuple[int, int]]:
    """(start, end) of the first two whole marker lines of `text` after its first byte (a
    window of a file's view; `at_end`: it runs to the file's end)."""
    for n, marker in enumerate(MARKER.finditer(text, 1)):
        end = text.find(b"\n", marker.end())
        if end < 0 and not at_end:
            return  # the line may go on past the window
        yield marker.start(), len(text) if end < 0 else end
        if n == 1:
            return
