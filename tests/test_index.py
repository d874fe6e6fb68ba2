"""Dedup's index: a band kept in two runs reads as the one chain of all its keys."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import index


def _chain_pairs(hashes: np.ndarray, rank: np.ndarray) -> set[tuple[int, int]]:
    """The chain pairs of keys 0.. with these band `hashes`, in one run: by hash, then by
    rank."""
    order = np.lexsort((rank, hashes))
    same = np.flatnonzero(hashes[order][1:] == hashes[order][:-1])
    return set(zip(order[same].tolist(), order[same + 1].tolist(), strict=True))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=30), min_size=1, max_size=6),
    st.sampled_from([0, 0.1, 0.5, 1, 3, float("inf")]),
    st.randoms(use_true_random=False),
)
def test_a_band_in_runs_holds_the_chains_of_all_its_keys(batches, share, rng):
    """Keys added a batch at a time (hashes from a few values, so chains are long), the
    delta merged into the base at any share: after each batch, the band's chain pairs are
    those of all its keys in one run, and the old keys said to be touched are exactly those
    next to a new key in that chain."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(index, "MERGE_SHARE", share)
        _add_batches(batches, rng)


def _add_batches(batches: list[list[int]], rng) -> None:
    total = sum(len(batch) for batch in batches)
    digests = np.array(rng.sample(range(10**9), total))  # each key's digest, as a number
    cuts = np.cumsum([0, *(len(batch) for batch in batches)])
    for start, stop in zip(cuts[:-1], cuts[1:], strict=True):
        digests[start:stop].sort()  # a run numbers its new keys in digest order
    runs, hashes = index.read_band(None, 0), np.empty(0, np.uint64)
    for batch in batches:
        new = np.arange(len(hashes), len(hashes) + len(batch))
        hashes = np.r_[hashes, np.array(batch, np.uint64)]
        rank = np.argsort(np.argsort(digests[: len(hashes)]))
        runs, touched = index.merge_band(runs, rank, hashes[new], new)
        pairs = _chain_pairs(hashes, rank)
        codes = index.band_codes(runs, rank, np.arange(len(hashes)), max(len(hashes), 1))
        assert set(zip(*np.divmod(codes, max(len(hashes), 1)), strict=True)) == pairs
        next_to_new = {a if b in new else b for a, b in pairs if (a in new) != (b in new)}
        assert set(touched.tolist()) == next_to_new
        assert sum(len(h) for h, _ in runs) == len(hashes)


def test_band_codes_keep_pairs_of_chosen_keys_only():
    """A chain pair with a key outside those looked at is left out."""
    hashes, rank = np.array([5, 5, 7, 5, 7], np.uint64), np.arange(5)
    runs, _ = index.merge_band(index.read_band(None, 0), rank, hashes, np.arange(5))
    local = np.array([0, -1, 1, 2, 3])  # key 1 is not looked at: chains 0-1-3 and 2-4
    assert index.band_codes(runs, rank, local, 4).tolist() == [1 * 4 + 3]
