"""The lossless invariant: spans cover every non-whitespace byte exactly once."""

import numpy as np

from pipeline.core.decode import cut


class CoverageError(AssertionError):
    """The spans of a raw file overlap, or leave a non-whitespace byte uncovered."""


def line_of(data: bytes, offset: int) -> int:
    """1-based line number of the byte at `offset`."""
    return data.count(b"\n", 0, offset) + 1


def check_coverage(data: bytes, start: int, starts: np.ndarray, ends: np.ndarray) -> None:
    """Raise CoverageError unless the spans [starts[k], ends[k]), in order, partition the
    non-whitespace of data[start:]."""
    from pipeline.core import utf8  # numba: only where files are parsed

    gaps, stops = np.append(start, ends), np.append(starts, len(data))  # between the spans
    before = gaps[:-1]  # where the span before each ends
    wrong = np.flatnonzero((starts < before) | (starts >= ends) | (ends > len(data)))
    if len(wrong):
        k = wrong[0]
        raise CoverageError(
            f"line {line_of(data, starts[k])}: span [{starts[k]}, {ends[k]}) "
            f"overlaps or runs past the previous one (ends at {before[k]})"
        )
    lead, _, _ = utf8.extents(cut(data, gaps, stops))
    filled = np.flatnonzero(lead < stops - gaps)  # a gap with a byte that is not whitespace
    if len(filled):
        offset, stop = int(gaps[filled[0]] + lead[filled[0]]), stops[filled[0]]
        shown = data[offset : min(offset + 40, stop)]
        where = f"line {line_of(data, offset)}: byte {offset}"
        raise CoverageError(f"{where} is in no span ({shown!r})")
