"""The lossless invariant: spans cover every non-whitespace byte exactly once."""

from collections.abc import Sequence

from pipeline.core.decode import WHITESPACE


class CoverageError(AssertionError):
    """The spans of a raw file overlap, or leave a non-whitespace byte uncovered."""


def line_of(data: bytes, offset: int) -> int:
    """1-based line number of the byte at `offset`."""
    return data.count(b"\n", 0, offset) + 1


def check_coverage(data: bytes, start: int, spans: Sequence[tuple[int, int]]) -> None:
    """Raise CoverageError unless sorted `spans` partition the non-whitespace of data[start:]."""
    pos = start
    for span_start, span_end, *_ in spans:
        if not pos <= span_start < span_end <= len(data):
            raise CoverageError(
                f"line {line_of(data, span_start)}: span [{span_start}, {span_end}) "
                f"overlaps or runs past the previous one (ends at {pos})"
            )
        _check_gap(data, pos, span_start)
        pos = span_end
    _check_gap(data, pos, len(data))


def _check_gap(data: bytes, start: int, end: int) -> None:
    gap = data[start:end]
    stripped = gap.lstrip(WHITESPACE)
    if stripped:
        offset = end - len(stripped)
        raise CoverageError(
            f"line {line_of(data, offset)}: byte {offset} is in no span ({stripped[:40]!r})"
        )
