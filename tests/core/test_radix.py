"""The radix argsort against numpy's stable one."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core import radix

# Hashes that share digits (a few values, the extremes) as well as any.
HASHES = st.lists(
    st.sampled_from([0, 1, 255, 256, 2**63, 2**64 - 1]) | st.integers(0, 2**64 - 1), max_size=60
)


def setup_module():
    radix.load()  # hypothesis times each example: the first call loads the compiled code


@given(HASHES, st.integers(1, 3))
def test_radix_argsort_is_numpys_stable_argsort(values, repeats):
    keys = np.array(values * repeats, np.uint64)  # ties, kept in index order
    assert radix._argsort(keys).tolist() == np.argsort(keys, kind="stable").tolist()


def test_radix_argsort_of_many_random_hashes():
    keys = np.random.default_rng(7).integers(0, 2**64, radix.FEW, np.uint64)
    keys[::5] = keys[1::5][: len(keys[::5])]  # every fifth a copy of the next
    assert (radix.argsort(keys) == np.argsort(keys, kind="stable")).all()


# Halves of 128-bit digests: digests that share their first half, their last or both.
HALVES = st.sampled_from([0, 1, 2**63, 2**64 - 1]) | st.integers(0, 2**64 - 1)


def _digests(halves: list | np.ndarray) -> np.ndarray:
    """Digests (`V16`) of (first, last) halves, each big-endian as numpy compares them."""
    return np.asarray(halves, ">u8").reshape(-1, 2).view("V16").ravel()


def _assert_unique_as_numpys(digests: np.ndarray) -> None:
    got = radix.unique_digests(digests)
    expected = np.unique(digests, return_index=True, return_inverse=True)
    for mine, numpys in zip(got, expected, strict=True):
        assert mine.tolist() == numpys.tolist()


@given(st.lists(st.tuples(HALVES, HALVES), max_size=60), st.integers(1, 3))
def test_unique_digests_is_numpys_unique(halves, repeats):
    _assert_unique_as_numpys(_digests(halves * repeats))


def test_unique_digests_of_many_with_copies_and_shared_first_halves():
    halves = np.random.default_rng(3).integers(0, 2**64, (radix.FEW, 2), np.uint64)
    halves[::7] = halves[1::7][: len(halves[::7])]  # copies
    halves[2::11, 0] = halves[3::11, 0][: len(halves[2::11])]  # the same first half only
    _assert_unique_as_numpys(_digests(halves))
