"""The compiled BLAKE2b against hashlib's."""

import hashlib

import pyarrow as pa
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.core import blake2b


def setup_module():
    blake2b.load()  # hypothesis times each example: the first call loads the compiled code


# Lengths about the 128-byte block's edges, and any text.
EDGES = st.sampled_from([0, 1, 127, 128, 129, 255, 256, 257, 1000]).map("é".__mul__)


@given(st.lists(EDGES | st.text(), max_size=8), st.integers(1, 64), st.integers(0, 3))
@example(["", "a", "abc", "x" * 128, "y" * 129], 16, 0)
def test_digests_are_hashlibs(texts, size, start):
    strings = pa.array(["pad"] * start + texts, pa.string()).slice(start)  # an offset too
    expected = [hashlib.blake2b(t.encode(), digest_size=size).digest() for t in texts]
    assert list(map(bytes, blake2b.digests(strings, size))) == expected
