"""The lossless invariant's check, on spans that partition a file and on spans that do not."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core.coverage import CoverageError, check_coverage

pytestmark = pytest.mark.usefixtures("parse_passes")
BLANKS = st.text(" \t\n\r\x0b\x0c", max_size=4).map(str.encode)
WORDS = st.binary(min_size=1, max_size=8).filter(lambda b: b.strip(b" \t\n\r\x0b\x0c") == b)


@st.composite
def partitioned(draw):
    """A file of whitespace gaps and spans of other bytes (any, whitespace inside too)
    after a head of `start` bytes, and the spans' starts and ends."""
    head = draw(st.binary(max_size=4))
    data, starts, ends = head, [], []
    for gap, word in draw(st.lists(st.tuples(BLANKS, WORDS), max_size=6)):
        data += gap
        starts.append(len(data))
        data += word
        ends.append(len(data))
    data += draw(BLANKS)
    return data, len(head), np.array(starts, np.int64), np.array(ends, np.int64)


@given(partitioned())
def test_spans_that_partition_the_file_pass(file):
    check_coverage(*file)


@given(partitioned(), st.data())
def test_a_byte_left_out_is_named_by_line_and_offset(file, data):
    content, start, starts, ends = file
    if not len(starts):
        return
    k = data.draw(st.integers(0, len(starts) - 1))
    left = ends.copy()
    left[k] -= 1  # the span's last byte, which is not whitespace, is in no span now
    if left[k] == starts[k]:
        return  # a one-byte span would be empty: the overlap test below covers that
    offset = int(left[k])
    line = content.count(b"\n", 0, offset) + 1
    with pytest.raises(CoverageError, match=rf"^line {line}: byte {offset} is in no span"):
        check_coverage(content, start, starts, left)


def test_overlapping_empty_and_overlong_spans_are_refused():
    data = b"ab\ncd\nef"
    check_coverage(data, 0, np.array([0, 3, 6]), np.array([2, 5, 8]))
    for starts, ends in (([0, 1], [2, 5]), ([0, 3, 3], [2, 3, 8]), ([0, 3], [2, 9])):
        with pytest.raises(CoverageError, match="overlaps or runs past"):
            check_coverage(data, 0, np.array(starts), np.array(ends))
    with pytest.raises(CoverageError, match=r"^line 3: byte 6 is in no span \(b'ef'\)"):
        check_coverage(data, 0, np.array([0, 3]), np.array([2, 5]))
    with pytest.raises(CoverageError, match=r"^line 1: byte 0 is in no span"):
        check_coverage(data, 0, np.array([3, 6]), np.array([5, 8]))
    # The first fault in byte order: a byte in no span before a span that overlaps.
    with pytest.raises(CoverageError, match=r"^line 1: byte 0 is in no span"):
        check_coverage(data, 0, np.array([3, 4]), np.array([5, 8]))
