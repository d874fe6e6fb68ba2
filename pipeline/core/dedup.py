"""Which texts are the same abstract: exact, near and truncated duplicates.

Texts are compared by their dedup key (case, punctuation and spacing folded). Distinct
keys are joined when a verified MinHash candidate pair is similar enough (near), or when
one key is a prefix of another (a copy cut off). Groups are the connected components.
"""

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rensa import RMinHash

from pipeline.core.arrays import distinct

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
_TOKEN = re.compile(f"[{_UNSPACED}]|[^\\s{_UNSPACED}]+")
_UNSPACED_CHARACTER = re.compile(f"[{_UNSPACED}]")


# Reads the keys of given distinct-key indices, in that order.
Fetch = Callable[[np.ndarray], list[str]]


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


def stable_id(key: str) -> str:
    """A content-derived id: the same key gives the same id on every machine."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def digest(text: str) -> bytes:
    """The text's 128-bit BLAKE2b digest: equal digests, equal texts."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def key_head(key: str, min_words: int) -> int:
    """A hash of the key's first `min_words - 1` words, or 0 if it has fewer than `min_words`.

    A key of at least `min_words` words ends its first `min_words - 1` with a blank or
    a character of an unspaced script, so every key it is a prefix of shares them."""
    # Spaced: `tokens`, split only as far as needed (the last one holds the rest).
    words = key.split(maxsplit=min_words - 1) if _spaced(key) else tokens(key)
    if len(words) < min_words:
        return 0
    head = "\0".join(words[: min_words - 1]).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(head, digest_size=8).digest(), "little") or 1


def _spaced(key: str) -> bool:
    """The key has no character of a script written without spaces: its words are split."""
    return key.isascii() or not _UNSPACED_CHARACTER.search(key)


def tokens(key: str) -> list[str]:
    """The words of a key; in scripts written without spaces, the characters."""
    if _spaced(key):
        return key.split()
    return _TOKEN.findall(key)


def shingles(key: str, size: int) -> set[str]:
    """The set of `size`-word shingles of a key (the key itself when shorter)."""
    words = tokens(key)
    if len(words) <= size:
        return {key}
    return set(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def _odd_weights(n: int, seed: int) -> np.ndarray:
    """`n` odd 64-bit numbers drawn from `seed`: a weighted sum of hashes by them is one
    hash of the sequence."""
    return np.random.default_rng(seed).integers(1, 2**63, n, dtype=np.uint64) | 1


def _token_hashes(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit hash of every token of the keys (see `tokens`), in order, and the index of
    its key. Split in Arrow; each distinct token hashed once (BLAKE2b)."""
    spaced = pc.replace_substring_regex(pa.array(keys, pa.string()), f"([{_UNSPACED}])", r" \1 ")
    split = pc.split_pattern(spaced, " ")  # a key's only blanks are single spaces
    words = pc.list_flatten(split)
    kept = pc.binary_length(words).to_numpy() > 0  # not the blanks around unspaced characters
    words = words.filter(kept).dictionary_encode()
    distinct = (word.encode("utf-8") for word in words.dictionary.to_pylist())
    hashed = b"".join(hashlib.blake2b(word, digest_size=8).digest() for word in distinct)
    hashes = np.frombuffer(hashed, dtype="<u8")[words.indices.to_numpy()]
    return hashes, pc.list_parent_indices(split).to_numpy()[kept]


def shingle_hashes(keys: Sequence[str], size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit hashes of each key's windows of `size` tokens, flat, and the offsets of
    each key's hashes: the sets of `shingles`, one hash per shingle (a key of fewer tokens
    is one window). A window's hash is its tokens' hashes weighted by place, summed."""
    hashes, key = _token_hashes(keys)
    counts = np.bincount(key, minlength=len(keys))
    first = np.cumsum(counts) - counts
    weights = _odd_weights(size, seed)
    # The window starting at each token, then those that end within their key.
    padded = np.append(hashes, np.zeros(size - 1, dtype=np.uint64))
    window = sum(padded[place : place + len(hashes)] * w for place, w in enumerate(weights))
    window = window[np.arange(len(hashes)) - first[key] <= counts[key] - size]
    # The one window of each key of fewer tokens.
    is_short = counts < size
    short = np.flatnonzero(is_short)
    whole = np.zeros(len(short), dtype=np.uint64)
    for place, weight in enumerate(weights[:-1]):
        has = counts[short] > place
        whole[has] += hashes[first[short[has]] + place] * weight
    windows = np.maximum(counts - size + 1, 1)
    flat = np.empty(windows.sum(), dtype=np.uint64)
    is_whole = np.repeat(is_short, windows)
    flat[is_whole], flat[~is_whole] = whole, window
    return flat, np.append(0, np.cumsum(windows)).astype(np.uint64)


def jaccard(a: set[str], b: set[str]) -> float:
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def band_hashes(keys: Sequence[str], params: DedupParams) -> np.ndarray:
    """Each key's LSH band hashes, shape (keys, bands): its MinHash signature over word
    shingles, cut in `bands` bands of `num_perm // bands` values, each band hashed to one
    number. Keys that share a band hash are near-duplicate candidates."""
    if not keys:
        return np.empty((0, params.bands), dtype=np.uint64)
    # A MinHash is a minimum, so repeated windows change nothing.
    hashes, offsets = shingle_hashes(keys, params.shingle_words, params.seed)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        hashes, offsets, params.num_perm, params.seed
    )
    signatures = np.array(matrix.to_rows(), dtype=np.uint64)
    rows = params.num_perm // params.bands
    weights = _odd_weights(rows, params.seed)
    return (signatures.reshape(len(keys), params.bands, rows) * weights).sum(axis=2)


def band_pairs(band: np.ndarray) -> np.ndarray:
    """The pairs (i, j), i < j, of keys that share their hash in one band, as codes
    `i * len(band) + j`: neighbours in hash order, a chain through every bucket (a stable
    sort keeps a bucket's keys in index order, so i < j)."""
    order = np.argsort(band, kind="stable")
    same = np.flatnonzero(band[order[1:]] == band[order[:-1]])
    return order[same] * len(band) + order[same + 1]


def candidates(codes: Iterable[np.ndarray], n: int) -> np.ndarray:
    """The pairs (i, j) of `n` keys that share their hash in at least one band, from each
    band's `band_pairs`: sorted, each once, as an array of shape (pairs, 2)."""
    codes = list(codes)
    codes = distinct(np.concatenate(codes)) if codes else np.empty(0, np.int64)
    return np.column_stack(np.divmod(codes, n))


def _verified(task: tuple[list[str], list[list[int]], int, float]) -> list[bool]:
    """Which pairs (of indices into `keys`) have a true shingle Jaccard reaching the
    threshold. Pairs come sorted, so the shingles of `i` are made once per run of its pairs,
    and memory holds two sets."""
    keys, pairs, size, threshold = task
    current, left, near = -1, set(), []
    for i, j in pairs:
        if i != current:
            current, left = i, shingles(keys[i], size)
        near.append(jaccard(left, shingles(keys[j], size)) >= threshold)
    return near


def verified(
    fetch: Fetch,
    pairs: np.ndarray,
    params: DedupParams,
    pmap: Callable[[Callable, Iterable], Iterable] = map,
    chunk: int = 20_000,
) -> np.ndarray:
    """Whether each candidate pair's true shingle Jaccard reaches the threshold, verified
    `chunk` pairs at a time by `pmap`, an ordered `map`: only the keys of a chunk are read,
    and sent to its worker."""
    chunks = [pairs[start : start + chunk] for start in range(0, len(pairs), chunk)]

    def tasks():
        for part in chunks:
            needed, local = np.unique(part, return_inverse=True)
            own = fetch(needed)
            yield own, local.reshape(-1, 2).tolist(), params.shingle_words, params.near_threshold

    return np.fromiter(itertools.chain.from_iterable(pmap(_verified, tasks())), bool, len(pairs))


def _bucketed(heads: np.ndarray) -> np.ndarray:
    """The keys that share their (nonzero) `key_head` with another key, ordered by head."""
    order = np.argsort(heads, kind="stable")
    ordered = heads[order]
    shared = np.r_[False, ordered[1:] == ordered[:-1]] | np.r_[ordered[:-1] == ordered[1:], False]
    return order[shared & (ordered != 0)]


def _prefix_pairs(
    fetch: Fetch, heads: np.ndarray, bucketed: np.ndarray, chunk: int = 50_000
) -> Iterator[tuple[int, int]]:
    """(i, j) where key i is a prefix of key j, its successor in sorted order, and has at
    least `truncated_min_words` words: a copy cut off.

    Every key that starts with key i sorts right after it and shares its head, so the
    next key of its head tells (`bucketed` holds the keys whose head is shared, by head).
    Whole heads are read about `chunk` keys at a time."""
    shared = heads[bucketed]
    starts = np.flatnonzero(np.r_[True, shared[1:] != shared[:-1]])
    cuts = starts[np.unique(starts // chunk, return_index=True)[1]]
    for part in np.split(bucketed, cuts[1:]):
        keys = dict(zip(part.tolist(), fetch(part), strict=True))
        members = sorted(keys, key=lambda k: (heads[k], keys[k]))
        for i, j in itertools.pairwise(members):
            if heads[i] == heads[j] and keys[j].startswith(keys[i]):
                yield i, j


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
    prefixes = itertools.chain.from_iterable(_prefix_pairs(fetch, heads, bucketed))
    prefixes = np.fromiter(prefixes, np.int64).reshape(-1, 2)

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


def match_kind(key: str, canonical_key: str) -> str:
    """How an occurrence matched its abstract: exact, truncated or near."""
    if key == canonical_key:
        return "exact"
    if canonical_key.startswith(key):
        return "truncated"
    return "near"
