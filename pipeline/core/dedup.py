"""Which texts are the same abstract: exact, near and truncated duplicates.

Texts are compared by their dedup key (case, punctuation and spacing folded). Distinct
keys are joined when a verified MinHash candidate pair is similar enough (near), or when
one key is a prefix of another (a copy cut off). Groups are the connected components.
"""

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.arrays import distinct
from pipeline.core.decode import utf8_bytes

_PUNCTUATION = re.compile(r"[^\w\s]|_")
# Its non-ASCII part, as one character class: much faster to search.
_NON_ASCII_PUNCTUATION = re.compile(r"[^\x00-\x7f\w\s]")
# `_PUNCTUATION.sub("", c.casefold())` for each ASCII character `c` (None deletes), but a
# space for any blank: a `str.translate` table.
_ASCII_FOLD = str.maketrans(
    {
        c: " " if c.isspace() else _PUNCTUATION.sub("", c.casefold()) or None
        for c in map(chr, range(128))
    }
)
# Scripts written without spaces (CJK, kana, Hangul) count one word per character.
_UNSPACED = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
UNSPACED_CHARACTER = re.compile(f"[{_UNSPACED}]")


# Reads the keys of given distinct-key indices, in that order, as a string array.
Fetch = Callable[[np.ndarray], pa.Array]


@dataclass(frozen=True)
class DedupParams:
    """The knobs of dedup (`dedup:` in params.yaml)."""

    shingle_words: int
    num_perm: int
    bands: int
    near_threshold: float
    truncated_min_words: int
    seed: int


def dedup_key(text: str) -> str:
    """The text with case, punctuation and spacing folded: equal keys are exact duplicates."""
    if not text.isascii():
        rest = _NON_ASCII_PUNCTUATION.sub("", text)  # often ASCII, then folded fast below
        if not rest.isascii() or "\u0345" in text:  # the only one casefolding to a letter
            return " ".join(_PUNCTUATION.sub("", text.casefold()).split())
        text = rest
    text = text.translate(_ASCII_FOLD)
    while "  " in text:  # `" ".join(text.split())`, the only blank being the space
        text = text.replace("  ", " ")
    return text.strip(" ")


def keys(texts: pa.Array) -> pa.Array:
    """`dedup_key` of each of `texts` (a string array): a compiled pass (`utf8.key`), and
    the rule on the rows it cannot fold."""
    from pipeline.core import utf8  # numba: only where keys are made

    folded, unfolded = utf8.key(texts)
    rows = np.flatnonzero(unfolded)
    return utf8.replaced(folded, rows, [dedup_key(t) for t in texts.take(rows).to_pylist()])


def stable_id(key: str | memoryview) -> str:
    """A content-derived id: the same key (or its UTF-8 bytes) gives the same id on every
    machine."""
    return hashlib.blake2b(utf8_bytes(key), digest_size=8).hexdigest()


DIGEST_SIZE = 16


def digest(text: str | memoryview) -> bytes:
    """The text's (or its UTF-8 bytes') 128-bit BLAKE2b digest: equal digests, equal
    texts."""
    return hashlib.blake2b(utf8_bytes(text), digest_size=DIGEST_SIZE).digest()


def key_heads(keys: pa.Array, params: DedupParams) -> np.ndarray:
    """Each key's head (`minhash.key_heads`): a hash of its first
    `truncated_min_words - 1` tokens, 0 for a shorter key. Keys that share one are
    candidates for being a prefix of the other."""
    from pipeline.core import minhash  # numba: only where bands are made

    return minhash.key_heads(keys, params.truncated_min_words, params.seed)


def band_hashes(keys: pa.Array, params: DedupParams) -> np.ndarray:
    """Each key's LSH band hashes, shape (keys, bands): its MinHash signature over word
    shingles, cut in `bands` bands of `num_perm // bands` values, each band hashed to one
    number (`minhash.band_hashes`). Keys that share a band hash are near-duplicate
    candidates."""
    from pipeline.core import minhash  # numba: only where bands are made

    p = params
    return minhash.band_hashes(keys, p.shingle_words, p.num_perm, p.bands, p.seed)


def candidates(codes: Iterable[np.ndarray], n: int) -> np.ndarray:
    """The pairs (i, j) of `n` keys that share their hash in at least one band, from each
    band's pairs as codes `i * n + j` (`index.band_codes`): sorted, each once, as an
    array of shape (pairs, 2)."""
    codes = list(codes)
    codes = distinct(np.concatenate(codes)) if codes else np.empty(0, np.int64)
    return np.column_stack(np.divmod(codes, n))


def _verified(task: tuple[pa.Array, np.ndarray, DedupParams]) -> np.ndarray:
    """Which pairs (of indices into `keys`) have a true shingle Jaccard reaching the
    threshold (`minhash.jaccards`)."""
    from pipeline.core import minhash

    keys, pairs, p = task
    similar = minhash.jaccards(keys, pairs, p.shingle_words, p.seed)
    return similar >= p.near_threshold


def verified(
    fetch: Fetch,
    pairs: np.ndarray,
    params: DedupParams,
    pmap: Callable[[Callable, Iterable], Iterable] = map,
    chunk: int = 5_000,
) -> np.ndarray:
    """Whether each candidate pair's true shingle Jaccard reaches the threshold, verified
    `chunk` pairs at a time by `pmap`, an ordered `map` (`map` if they make one chunk): only
    the keys of a chunk are read, and sent to its worker."""
    chunks = [pairs[start : start + chunk] for start in range(0, len(pairs), chunk)]
    if len(chunks) == 1:  # a run that adds a dump: verified here, no task to send
        pmap = map

    def tasks():
        for part in chunks:
            needed, local = np.unique(part, return_inverse=True)
            own = fetch(needed)
            yield own, local.reshape(-1, 2), params

    return np.fromiter(itertools.chain.from_iterable(pmap(_verified, tasks())), bool, len(pairs))


def _bucketed(heads: np.ndarray) -> np.ndarray:
    """The keys that share their (nonzero) `key_head` with another key, ordered by head."""
    order = np.argsort(heads, kind="stable")
    ordered = heads[order]
    shared = np.r_[False, ordered[1:] == ordered[:-1]] | np.r_[ordered[:-1] == ordered[1:], False]
    return order[shared & (ordered != 0)]


def _prefix_pairs(
    fetch: Fetch, heads: np.ndarray, bucketed: np.ndarray, chunk: int = 50_000
) -> Iterator[np.ndarray]:
    """(i, j), shape (k, 2), where key i is a prefix of key j, its successor in sorted
    order, and has at least `truncated_min_words` words: a copy cut off.

    Every key that starts with key i sorts right after it and shares its head, so the
    next key of its head tells (`bucketed` holds the keys whose head is shared, by head).
    Whole heads are read about `chunk` keys at a time, sorted by head, then key (Arrow
    compares the UTF-8 bytes: the order of code points, as Python's `sorted`), in threads."""
    from pipeline.core import utf8
    from pipeline.parallel import threaded

    shared = heads[bucketed]
    starts = np.flatnonzero(np.r_[True, shared[1:] != shared[:-1]])
    cuts = starts[np.unique(starts // chunk, return_index=True)[1]]

    def found(part: np.ndarray) -> np.ndarray:
        keys, head = fetch(part), heads[part]
        by = [("head", "ascending"), ("key", "ascending")]
        order = pc.sort_indices(pa.table({"head": head, "key": keys}), by).to_numpy()
        pairs = np.column_stack([order[:-1], order[1:]])
        pairs = pairs[head[pairs[:, 0]] == head[pairs[:, 1]]]
        return part[pairs[utf8.prefixes(keys, pairs) > 0]]

    return threaded(found, np.split(bucketed, cuts[1:]))


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    """The connected components of `n` nodes joined by `pairs` (shape (k, 2)): each node's
    smallest member. Only the joined nodes are looked at, numbered in order: each root
    hooks under the smallest root it is joined to, then every node jumps to its root,
    until the two nodes of every pair have one root."""
    joined = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    nodes, local = np.unique(joined, return_inverse=True)
    a, b = local.reshape(-1, 2).T
    parent = np.arange(len(nodes))
    while not np.array_equal(at_a := parent[a], at_b := parent[b]):
        np.minimum.at(parent, np.maximum(at_a, at_b), np.minimum(at_a, at_b))
        while not np.array_equal(root := parent[parent], parent):
            parent = root
    roots = np.arange(n, dtype=np.int64)
    roots[nodes] = nodes[parent]
    return roots


# Rounds of `cluster` that verify a forest of the pairs between groups, before the last,
# which verifies them all: the fewest pairs verified for the fewest rounds, measured on a
# crawl's copies (bench WORKLOAD=copies).
FOREST_ROUNDS = 5


def _forest(pairs: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Which of `pairs`, each between two groups of `roots`, make a forest: for each group
    joined to a group of a smaller root, its first such pair (each points to a smaller
    root, so none closes a cycle)."""
    keep = np.zeros(len(pairs), bool)
    keep[np.unique(roots[pairs].max(axis=1), return_index=True)[1]] = True
    return keep


def cluster(
    pairs: np.ndarray,
    heads: np.ndarray,
    keys: Callable[[np.ndarray], Fetch],
    params: DedupParams,
    pmap: Callable[[Callable, Iterable], Iterable] = map,
    known: np.ndarray | None = None,
    complete: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For distinct keys, given as their near-duplicate `candidates` and their `key_head`s,
    the index of each key's group root (its smallest member), each candidate pair's verdict
    (1 near, 0 not, -1 not verified: its keys were joined without it), and the pairs of
    keys joined (near or a prefix), shape (k, 2).

    A pair whose keys are already joined is not verified. Rounds, each in parallel, verify
    a forest of the pairs between groups (`_forest`; under heavy duplication most pairs
    then fall inside a group), `FOREST_ROUNDS` times, then every pair still between groups.
    So the groups are those of verifying every pair. `complete(roots)` may name the keys
    whose group needs all its near pairs anyway.

    `known` may hold each pair's verdict from an earlier run: only unknown pairs are
    verified. `keys(needed)` is called once, with the keys of the pairs that may be
    verified, of near pairs and of shared heads, and returns a `Fetch` that reads any of
    them, a chunk at a time. Pairs are verified by `pmap`, an ordered `map`
    (`parallel.mapper` spreads it over processes)."""
    near = np.full(len(pairs), -1, np.int8) if known is None else known.astype(np.int8)
    todo = near < 0
    bucketed = _bucketed(heads)
    fetch = keys(distinct(np.r_[pairs[near != 0].ravel(), bucketed]))
    prefixes = np.concatenate([np.empty((0, 2), np.int64), *_prefix_pairs(fetch, heads, bucketed)])

    def verify(chosen: np.ndarray) -> np.ndarray:
        near[chosen], todo[chosen] = verified(fetch, pairs[chosen], params, pmap), False
        return _components(len(heads), np.r_[pairs[near == 1], prefixes])

    roots = verify(np.empty(0, np.int64))
    for spanning in (True,) * FOREST_ROUNDS + (False,):
        between = todo & (roots[pairs[:, 0]] != roots[pairs[:, 1]])
        chosen = np.flatnonzero(between)
        roots = verify(chosen[_forest(pairs[between], roots)] if spanning else chosen)
    if complete is not None:
        roots = verify(np.flatnonzero(todo & complete(roots)[pairs[:, 0]]))
    return roots, near, np.r_[pairs[near == 1], prefixes]


def match_kinds(keys: pa.Array, pairs: np.ndarray) -> np.ndarray:
    """How each occurrence matched its abstract, for pairs `(i, j)` of indices into `keys`
    (its key, its canonical copy's): exact (the same key), truncated (a prefix of it) or
    near."""
    from pipeline.core import utf8

    return np.array(["near", "truncated", "exact"])[utf8.prefixes(keys, pairs)]
