"""Dedup keys, ids and clustering, on examples and generated texts."""

import contextlib
import itertools
import random
import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import dedup as core_dedup
from pipeline.core import minhash
from pipeline.core.dedup import (
    UNSPACED_CHARACTER,
    DedupParams,
    _bucketed,
    _components,
    _prefix_pairs,
    band_hashes,
    candidates,
    cluster,
    dedup_key,
    key_heads,
    match_kinds,
    stable_id,
    verified,
)
from pipeline.core.minhash import jaccards, shingle_hashes
from pipeline.parallel import mapper
from pipeline.synth import near_variant, truncated_variant

UNSPACED = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"  # CJK, kana, Hangul


def tokens(key: str) -> list[str]:
    """The definition: a key's words; in scripts written without spaces, its characters."""
    return re.findall(f"[{UNSPACED}]|[^\\s{UNSPACED}]+", key)


PARAMS = DedupParams(
    shingle_words=3, num_perm=128, bands=32, near_threshold=0.7, truncated_min_words=10, seed=1
)
WORDS = [f"w{i}" for i in range(2000)]
texts = st.lists(st.sampled_from(WORDS), min_size=40, max_size=120).map(" ".join)


def shingles(key: str, size: int) -> set[str]:
    """The definition: the set of `size`-token shingles of a key (the key itself when
    shorter)."""
    words = tokens(key)
    if len(words) <= size:
        return {key}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def heads(keys):
    return key_heads(pa.array(keys, pa.string()), PARAMS)


def band_pairs(band: np.ndarray) -> np.ndarray:
    """The pairs (i, j), i < j, of keys that share their hash in one band, as codes
    `i * len(band) + j`: neighbours in hash order, a chain through every bucket (a stable
    sort keeps a bucket's keys in index order, so i < j); what `index.band_codes` gives
    the dedup stage from its index."""
    order = np.argsort(band, kind="stable")
    same = np.flatnonzero(band[order[1:]] == band[order[:-1]])
    return order[same] * len(band) + order[same + 1]


def candidate_pairs(keys):
    return candidates(
        map(band_pairs, band_hashes(pa.array(keys, pa.string()), PARAMS).T), len(keys)
    )


def fetch(keys):
    """What `cluster` reads keys with: the keys at given indices, as a string array."""
    return lambda indices: pa.array([keys[i] for i in indices], pa.large_string())


def roots(distinct):
    """Each distinct key's group root, by `cluster` as the dedup stage calls it."""
    return cluster(candidate_pairs(distinct), heads(distinct), lambda _: fetch(distinct), PARAMS)[0]


def groups(raw_texts):
    """Index of each text's group, numbered by first appearance."""
    keys = [dedup_key(t) for t in raw_texts]
    distinct = sorted(set(keys))
    root_of = [roots(distinct)[distinct.index(k)] for k in keys]
    first = {}
    return [first.setdefault(r, len(first)) for r in root_of]


def test_key_folds_case_punctuation_and_spacing():
    a = "Metas Llama 4: a  model-family,\nfor “speech”!"
    b = "metas llama 4 a modelfamily for speech"
    assert dedup_key(a) == b
    assert dedup_key("Meta's Llama") == dedup_key("Metas Llama")
    assert tokens(dedup_key("本文 we 提出")) == ["本", "文", "we", "提", "出"]


def key_reference(text: str) -> str:
    """`dedup_key` as first written: one substitution, whatever the text."""
    return " ".join(re.sub(r"[^\w\s]|_", "", text.casefold()).split())


# Characters that casefold to several (`ß`), to punctuation or from it (`\u0345`), blanks of
# all kinds, controls, a lone surrogate, letters outside the BMP.
KEY_CHARACTERS = [
    *"aZ09 _-.,'’“”–—…\t\n\r\x0b\x1c\x85\u00a0\u2009\u3000\x00\x07\x7f",
    *"éÉßİıſǅΣς中ﬁ\u0345\u0301\ud800𝐀🙂",
]


@settings(max_examples=1000)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(max_codepoint=127)),
        st.text(alphabet=st.sampled_from(KEY_CHARACTERS)),
    )
)
def test_key_is_its_first_formulation(text):
    assert dedup_key(text) == key_reference(text)


def test_one_non_ascii_punctuation_casefolds_to_what_a_key_keeps():
    punctuation = re.compile(r"[^\w\s]|_")
    kept = {
        c
        for c in map(chr, range(128, 0x110000))
        if punctuation.match(c) and punctuation.sub("", c.casefold())
    }
    assert kept == {"\u0345"}  # `dedup_key` casefolds a text with it before removing any


def test_stable_id_is_pinned():
    # Ids are cited by users: this value must never change (a major version if it must).
    assert stable_id("a key") == "a9539f4e9c4dd814"
    assert stable_id("a key") != stable_id("another key")


def test_exact_near_and_truncated_join_different_do_not():
    rng = random.Random(3)
    base = " ".join(rng.choice(WORDS) for _ in range(120)) + "."
    other = " ".join(rng.choice(WORDS) for _ in range(120)) + "."
    copies = [
        base,
        base.upper(),
        near_variant(base, rng, WORDS),
        truncated_variant(base, rng),
        other,
    ]
    assert groups(copies) == [0, 0, 0, 0, 1]


def test_short_prefix_does_not_join():
    assert groups(["we propose a model", "we propose a model for speech recognition."]) == [0, 1]


def test_a_prefix_of_two_abstracts_joins_only_one():
    prefix = " ".join(WORDS[:30])
    first, second = prefix + " " + " ".join(WORDS[100:160]), prefix + " " + " ".join(WORDS[200:260])
    assert len(set(groups([prefix, first, second]))) == 2


@settings(max_examples=50, deadline=None)
@given(st.lists(texts, min_size=2, max_size=8, unique=True), st.randoms(use_true_random=False))
def test_distinct_texts_never_merge_copies_always_do(originals, rng):
    originals = [
        t
        for t in originals
        if all(
            len(shingles(dedup_key(t), 3) & shingles(dedup_key(u), 3)) == 0
            for u in originals
            if u != t
        )
    ]
    copies = [(i, t) for i, t in enumerate(originals)]
    copies += [(i, t.upper()) for i, t in enumerate(originals)]
    copies += [(i, truncated_variant(t, rng)) for i, t in enumerate(originals)]
    rng.shuffle(copies)
    found = groups([t for _, t in copies])
    truth = [i for i, _ in copies]
    assert len(set(zip(found, truth, strict=True))) == len(set(found)) == len(set(truth))


def test_pairs_verified_in_chunks_across_processes_are_those_of_one_pass():
    keys = near_keys()
    pairs = candidate_pairs(keys)
    one_pass = verified(fetch(keys), pairs, PARAMS)
    assert one_pass.sum() >= 30
    with mapper(2) as pmap:
        assert verified(fetch(keys), pairs, PARAMS, pmap, chunk=7).tolist() == one_pass.tolist()


def near_keys():
    rng = random.Random(3)
    originals = [" ".join(rng.choices(WORDS[:300], k=80)) for _ in range(40)]
    return sorted({dedup_key(t) for o in originals for t in (o, near_variant(o, rng, WORDS))})


@contextlib.contextmanager
def counting():
    """While in the block, count the pairs verified, in `.checked` of what it yields."""
    real = core_dedup._verified

    def count(task):
        count.checked += len(task[1])
        return real(task)

    count.checked = 0
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(core_dedup, "_verified", count)
        yield count


def every_pair_verified(keys, pairs, heads_, known=None):
    """The groups of verifying every unknown candidate pair: the reference."""
    near = verified(fetch(keys), pairs, PARAMS).astype(np.int8)
    if known is not None:
        near = np.where(known < 0, near, known)
    prefixes = sorted(prefix_pairs_by_definition(keys, PARAMS.truncated_min_words))
    joined = np.r_[pairs[near == 1], np.array(prefixes, np.int64).reshape(-1, 2)]
    return _components(len(keys), joined)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_pairs_inside_a_group_or_known_are_not_verified_and_the_groups_stay(data):
    keys = near_keys()
    pairs, heads_ = candidate_pairs(keys), heads(keys)
    with counting() as count:
        roots, near, joined = cluster(pairs, heads_, lambda _: fetch(keys), PARAMS)
    assert roots.tolist() == every_pair_verified(keys, pairs, heads_).tolist()
    assert count.checked == (near >= 0).sum() < len(pairs)  # pairs inside a group skipped
    truly = verified(fetch(keys), pairs, PARAMS)
    assert (near[near >= 0] == truly[near >= 0]).all()
    # Known verdicts (from a run before, or drawn: flipped, they flip the groups) are
    # taken as they are, and never verified again.
    known = np.array(
        data.draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=len(pairs), max_size=len(pairs))),
        np.int8,
    )
    with counting() as count:
        again, verdicts, _ = cluster(pairs, heads_, lambda _: fetch(keys), PARAMS, known=known)
    assert again.tolist() == every_pair_verified(keys, pairs, heads_, known).tolist()
    assert (verdicts[known >= 0] == known[known >= 0]).all()
    assert count.checked <= (known < 0).sum()


def test_a_group_asked_complete_has_every_near_pair_verified():
    keys = near_keys()
    pairs, heads_ = candidate_pairs(keys), heads(keys)
    roots, near, _ = cluster(pairs, heads_, lambda _: fetch(keys), PARAMS)
    first = roots[pairs[near < 0][0, 0]]  # a group with a pair left unverified
    asked = lambda found: found == first  # noqa: E731
    again, complete, joined = cluster(pairs, heads_, lambda _: fetch(keys), PARAMS, complete=asked)
    inside = roots[pairs[:, 0]] == first
    assert again.tolist() == roots.tolist() and (complete[inside] >= 0).all()
    truly = verified(fetch(keys), pairs, PARAMS)
    assert {tuple(p) for p in joined.tolist()} >= {tuple(p) for p in pairs[inside & truly].tolist()}


def prefix_pairs_by_definition(keys, min_words):
    """(i, i+1) where sorted key i has at least `min_words` words and key i+1 starts with it."""
    return {
        (i, i + 1)
        for i in range(len(keys) - 1)
        if keys[i + 1].startswith(keys[i]) and len(tokens(keys[i])) >= min_words
    }


# Few words, spaced and unspaced, and keys cut short, so that keys share prefixes of every
# length and cut through words.
PREFIX_WORDS = ["a", "ab", "b", "本", "文本", "x本", "本x"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(PREFIX_WORDS), max_size=16).map(" ".join),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 6),
    st.integers(1, 8),
)
def test_prefix_pairs_within_heads_are_those_of_sorted_keys(words, min_words, chunk):
    folded = [dedup_key(k) for k in words]
    keys = sorted(
        {*folded, *(k.replace(" ", "") for k in folded), *(k[: len(k) * 2 // 3] for k in folded)}
    )
    head = minhash.key_heads(pa.array(keys, pa.string()), min_words, PARAMS.seed)
    found = np.concatenate(
        [np.empty((0, 2), np.int64), *_prefix_pairs(fetch(keys), head, _bucketed(head), chunk)]
    )
    assert set(map(tuple, found.tolist())) == prefix_pairs_by_definition(keys, min_words)


def partition(raw_texts):
    found = {}
    for text, group in zip(raw_texts, groups(raw_texts), strict=True):
        found.setdefault(group, set()).add(text)
    return {frozenset(members) for members in found.values()}


@settings(deadline=None)
@given(st.lists(texts, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_grouping_ignores_input_order(raw_texts, rng):
    raw_texts += [truncated_variant(t, rng) for t in raw_texts]
    shuffled = sorted(raw_texts, key=lambda _: rng.random())
    assert partition(raw_texts) == partition(shuffled)


def graphs(n):
    return st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))


@given(st.integers(1, 30).flatmap(graphs))
def test_components_root_every_node_at_its_smallest_connected_node(graph):
    n, pairs = graph
    neighbours = {i: {i} for i in range(n)}
    for i, j in pairs:
        neighbours[i].add(j)
        neighbours[j].add(i)
    expected = []
    for start in range(n):
        seen, todo = {start}, [start]
        while todo:
            todo += [k for k in neighbours[todo.pop()] if k not in seen and not seen.add(k)]
        expected.append(min(seen))
    assert _components(n, pairs).tolist() == expected


@given(
    st.lists(st.text(alphabet="ab本é ", max_size=6), min_size=1, max_size=12),
    st.sampled_from([pa.string(), pa.large_string()]),
    st.data(),
)
def test_match_kinds_by_definition(keys, kind, data):
    """Exact: the same key; truncated: a prefix of the canonical copy's key; else near,
    by `str` comparison, whatever the characters (their UTF-8 bytes are compared), in an
    array of either offset width, sliced."""
    indices = st.integers(0, len(keys) - 1)
    pairs = data.draw(st.lists(st.tuples(indices, indices), max_size=20))
    array = pa.array(["before", *keys, "after"], kind).slice(1, len(keys))
    kinds = match_kinds(array, np.array(pairs, np.int64))
    expected = [
        "exact" if keys[i] == keys[j] else "truncated" if keys[j].startswith(keys[i]) else "near"
        for i, j in pairs
    ]
    assert kinds.tolist() == expected


def test_compiled_tokens_split_the_scripts_without_spaces_that_dedup_does():
    """`minhash` has the ranges of `UNSPACED_CHARACTER` written as numbers: the same, for
    every character of three UTF-8 bytes."""
    characters = [chr(c) for c in range(0x800, 0x10000) if not 0xD800 <= c < 0xE000]
    data = np.frombuffer("".join(characters).encode(), np.uint8)
    compiled = [bool(minhash._unspaced(data, 3 * i)) for i in range(len(characters))]
    assert compiled == [UNSPACED_CHARACTER.match(c) is not None for c in characters]


def test_the_definition_of_tokens_splits_the_scripts_dedup_does():
    characters = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    assert [c for c in characters if c.strip() and tokens(f"a{c}b") == [f"a{c}b"]] == [
        c for c in characters if c.strip() and not UNSPACED_CHARACTER.match(c)
    ]


@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "ab", "本", "文本", "é", "aé"]), max_size=8),
        min_size=1,
        max_size=12,
    ).map(lambda keys: [dedup_key(" ".join(words)) for words in keys]),
    st.integers(1, 5),
)
def test_key_heads_are_the_first_tokens_by_their_definition(keys, min_words):
    """0 for a key of fewer than `min_words` tokens; else equal heads, equal first
    `min_words - 1` tokens (64 bits: no collision among these)."""
    found = minhash.key_heads(pa.array(keys, pa.string()), min_words, PARAMS.seed)
    firsts = [tuple(tokens(key)[: min_words - 1]) for key in keys]
    for key, head in zip(keys, found, strict=True):
        assert (head == 0) == (len(tokens(key)) < min_words), key
    named = {first: head for head, first in zip(found, firsts, strict=True) if head}
    assert len(set(named.values())) == len(named)
    assert all(named[first] == head for head, first in zip(found, firsts, strict=True) if head)


@settings(deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([*WORDS[:4], "本", "文", "é"]), max_size=30).map(" ".join),
        max_size=8,
    ),
    st.integers(1, 4),
)
def test_shingle_hashes_are_the_shingles_one_to_one(texts, size):
    """Each key's window hashes are its shingles, one hash each: the same Jaccard between
    any two keys. Few words, so windows repeat; unspaced characters are tokens of their own."""
    keys = [dedup_key(text) for text in texts]
    hashes, offsets = shingle_hashes(pa.array(keys, pa.string()), size, seed=1)
    assert len(offsets) == len(keys) + 1 and offsets[-1] == len(hashes)
    sets = [set(hashes[a:b].tolist()) for a, b in itertools.pairwise(offsets)]
    # A key of `size` tokens or fewer is its own shingle: as its tokens, unless unspaced.
    plain = [len(tokens(key)) > size or key == " ".join(tokens(key)) for key in keys]
    for i, j in itertools.combinations(range(len(keys)), 2):
        if plain[i] and plain[j]:
            expected = jaccard(shingles(keys[i], size), shingles(keys[j], size))
            assert jaccard(sets[i], sets[j]) == expected, (keys[i], keys[j])
    assert [len(s) for s in sets] == [len(shingles(key, size)) for key in keys]


@settings(deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([*WORDS[:5], "本", "文", "é"]), max_size=30).map(" ".join),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 4),
    st.data(),
)
def test_compiled_jaccards_equal_the_shingle_sets(texts, size, data):
    """The compiled Jaccard of two keys is that of their shingle sets, by the definition."""
    keys = [" ".join(tokens(dedup_key(text))) for text in texts]  # unspaced tokens spaced
    indices = st.integers(0, len(keys) - 1)
    pairs = data.draw(st.lists(st.tuples(indices, indices), max_size=20))
    found = jaccards(pa.array(keys, pa.string()), np.array(pairs, np.int64), size, seed=1)
    expected = [jaccard(shingles(keys[i], size), shingles(keys[j], size)) for i, j in pairs]
    assert found.tolist() == expected
