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
