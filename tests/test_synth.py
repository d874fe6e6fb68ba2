"""The synthetic corpus: shuffled a window at a time, each copy beside its original."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import synth

ORIGINALS = [f"Original abstract {i} about topic {i % 7}, in several words." for i in range(40)]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 400), st.integers(1, 120), st.integers(0, 5), st.integers(1, 6))
def test_windows_are_shuffled_apart_with_every_copy_in_its_originals(n, window, seed, copies):
    serials = [b.original for b in synth.blocks(ORIGINALS, n, 0.5, seed, window, copies)]
    assert len(serials) == n
    # Windows hold consecutive originals, so a cut where every serial before is smaller than
    # every serial after is a window's end or falls inside one; a copy shuffled into the
    # next window would join two windows into one longer segment.
    cuts = [0]
    for p in range(1, n):
        if max(serials[:p]) < min(serials[p:]):
            cuts.append(p)
    lengths = [b - a for a, b in zip(cuts, [*cuts[1:], n], strict=True)]
    assert max(lengths) <= window + copies


def test_a_window_as_large_as_the_corpus_is_one_shuffle():
    whole = list(synth.blocks(ORIGINALS, 300, 0.3, 1, window=300))
    assert whole == list(synth.blocks(ORIGINALS, 300, 0.3, 1, window=10**6))
    assert sorted(b.original for b in whole) != [b.original for b in whole]


def test_a_crawl_copies_every_original_as_often_as_asked():
    made = list(synth.blocks(ORIGINALS, 500, 1.0, seed=2, copies=9))
    per_original = Counter(b.original for b in made)
    assert len(made) == 500 and set(per_original.values()) == {10}
    kinds = Counter(b.kind for b in made)
    assert kinds["original"] == 50 and {"exact", "near", "truncated"} <= set(kinds)
