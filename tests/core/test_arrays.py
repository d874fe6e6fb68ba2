"""Set operations by sorting equal numpy's own, on any integers."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core.arrays import among, distinct

INTEGERS = st.lists(st.integers(-(2**62), 2**62), max_size=200)


@given(INTEGERS, INTEGERS)
def test_distinct_and_among_are_numpys_unique_and_isin(values, known):
    values, known = np.array(values, np.int64), np.array(known, np.int64)
    assert distinct(values).tolist() == np.unique(values).tolist()
    assert among(values, np.sort(known)).tolist() == np.isin(values, known).tolist()
    assert distinct(values).dtype == values.dtype
