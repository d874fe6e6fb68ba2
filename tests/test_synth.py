"""The synthetic corpus: shuffled a window at a time, each copy beside its original."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import synth

ORIGINALS = [f"Original abstract {i} about topic {i % 7}, in several words." for i in range(40)]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 400), st.integers(1, 120), st.integers(0, 5))
def test_windows_are_shuffled_apart_with_every_copy_in_its_originals(n, window, seed):
    serials = [b.original for b in synth.blocks(ORIGINALS, n, 0.5, seed, window)]
    assert len(serials) == n
    # Windows hold consecutive originals, so a cut where every serial before is smaller than
    # every serial after is a window's end or falls inside one; a copy shuffled into the
    # next window would join two windows into one longer segment.
    cuts = [0]
    for p in range(1, n):
        if max(serials[:p]) < min(serials[p:]):
            cuts.append(p)
    lengths = [b - a for a, b in zip(cuts, [*cuts[1:], n], strict=True)]
    assert max(lengths) <= window + 1


def test_a_window_as_large_as_the_corpus_is_one_shuffle():
    whole = list(synth.blocks(ORIGINALS, 300, 0.3, 1, window=300))
    assert whole == list(synth.blocks(ORIGINALS, 300, 0.3, 1, window=10**6))
    assert sorted(b.original for b in whole) != [b.original for b in whole]
