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
    non-whitespace of data[start:]; it names the first fault in byte order, a byte in no
    span or a span that overlaps the one before, is empty or runs past the end."""
    from pipeline.core import utf8  # numba: only where files are parsed

    # The gap before each span, from the end of the one before, then the gap after the last.
    gap_starts, gap_ends = np.append(start, ends), np.append(starts, len(data))
    before = gap_starts[:-1]
    wrong = np.flatnonzero((starts < before) | (starts >= ends) | (ends > len(data)))
    checked = wrong[0] if len(wrong) else len(gap_starts)  # the gaps before the first wrong span
    gap_starts, gap_ends = gap_starts[:checked], gap_ends[:checked]
    lead, _, _ = utf8.extents(cut(data, gap_starts, gap_ends))
    filled = np.flatnonzero(lead < gap_ends - gap_starts)  # a byte that is not whitespace
    if len(filled):
        offset, stop = int(gap_starts[filled[0]] + lead[filled[0]]), gap_ends[filled[0]]
        shown = data[offset : min(offset + 40, stop)]
        where = f"line {line_of(data, offset)}: byte {offset}"
        raise CoverageError(f"{where} is in no span ({shown!r})")
    if len(wrong):
        k = wrong[0]
        raise CoverageError(
            f"line {line_of(data, starts[k])}: span [{starts[k]}, {ends[k]}) "
            f"overlaps or runs past the previous one (ends at {before[k]})"
        )
