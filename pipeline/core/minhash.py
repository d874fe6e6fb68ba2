"""MinHash LSH in one compiled pass (numba): a key's tokens, its shingle hashes, its
signature and its band hashes, read straight from an Arrow string array's buffers.

A key's tokens are its words (a key's only blanks are single spaces) and, in scripts written
without spaces (CJK, Hangul: `dedup.UNSPACED_CHARACTER`), its single characters. A token's hash is
FNV-1a over its UTF-8 bytes, mixed (SplitMix64's finalizer); a shingle's hash is its tokens'
hashes weighted by place and summed; a key of fewer tokens than a shingle is one shingle.
The signature is R-MinHash's (one odd multiplier and an offset a permutation, the top 32
bits kept), each band of it hashed to one 64-bit number by weights.
"""

import numpy as np
import pyarrow as pa

from pipeline.core.jit import numba
from pipeline.core.utf8 import buffers

_FNV_OFFSET, _FNV_PRIME = np.uint64(0xCBF29CE484222325), np.uint64(0x100000001B3)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_SPACE = 32


@numba.njit(cache=True, inline="always")
def _mix(h):
    """SplitMix64's finalizer: every input bit moves every output bit."""
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _unspaced(data, i):
    """The code point at byte `i` (a 3-byte UTF-8 lead) is of a script without spaces:
    U+2E80-U+9FFF, U+AC00-U+D7AF or U+F900-U+FAFF, `dedup.UNSPACED_CHARACTER`'s (a test
    checks they agree: numba compiles the numbers in, so they are written here)."""
    if data[i] < 0xE0 or data[i] >= 0xF0:
        return False
    cp = ((data[i] & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
    return (0x2E80 <= cp <= 0x9FFF) or (0xAC00 <= cp <= 0xD7AF) or (0xF900 <= cp <= 0xFAFF)


@numba.njit(cache=True)
def _tokens(data, start, end, out, limit):
    """Write the hashes of the tokens of `data[start:end]` to `out`, the first `limit` of
    them at least (all, if as many as `out` holds); return how many."""
    n, i = 0, start
    h, open_ = _FNV_OFFSET, False
    while i < end and n < limit:
        byte = data[i]
        if byte == _SPACE:
            if open_:
                out[n], n, h, open_ = _mix(h), n + 1, _FNV_OFFSET, False
            i += 1
        elif _unspaced(data, i):
            if open_:
                out[n], n, h, open_ = _mix(h), n + 1, _FNV_OFFSET, False
            for j in range(i, i + 3):
                h = (h ^ np.uint64(data[j])) * _FNV_PRIME
            out[n], n, h = _mix(h), n + 1, _FNV_OFFSET
            i += 3
        else:
            h, open_ = (h ^ np.uint64(byte)) * _FNV_PRIME, True
            i += 1
    if open_:
        out[n], n = _mix(h), n + 1
    return n


@numba.njit(cache=True)
def _shingles(tokens, n, weights, out):
    """Write the hashes of the `len(weights)`-token windows of `tokens[:n]` to `out` (one
    window of them all if fewer); return their count."""
    size = len(weights)
    if n < size:
        h = np.uint64(0)
        for p in range(n):
            h += tokens[p] * weights[p]
        out[0] = h
        return 1
    for i in range(n - size + 1):
        h = np.uint64(0)
        for p in range(size):
            h += tokens[i + p] * weights[p]
        out[i] = h
    return n - size + 1


@numba.njit(cache=True)
def _longest(offsets):
    """The length of the longest key (1 at least)."""
    longest = 1
    for k in range(len(offsets) - 1):
        longest = max(longest, offsets[k + 1] - offsets[k])
    return longest


@numba.njit(cache=True)
def _flat_shingles(data, offsets, weights):
    """Every key's shingle hashes, flat, and the offsets of each key's: counted, then
    written, so that memory holds the hashes and one key's tokens."""
    keys = len(offsets) - 1
    tokens = np.empty(_longest(offsets), np.uint64)
    starts = np.zeros(keys + 1, np.int64)
    for k in range(keys):
        n = _tokens(data, offsets[k], offsets[k + 1], tokens, len(tokens))
        starts[k + 1] = starts[k] + max(n - len(weights) + 1, 1)
    flat = np.empty(starts[keys], np.uint64)
    for k in range(keys):
        n = _tokens(data, offsets[k], offsets[k + 1], tokens, len(tokens))
        _shingles(tokens, n, weights, flat[starts[k] : starts[k + 1]])
    return flat, starts


@numba.njit(cache=True)
def _bands(data, offsets, weights, a, b, band_weights, bands):
    """Every key's band hashes, shape (keys, bands)."""
    keys, rows = len(offsets) - 1, len(band_weights)
    longest = _longest(offsets)
    tokens = np.empty(longest, np.uint64)
    windows = np.empty(longest + 1, np.uint64)
    signature = np.empty(len(a), np.uint64)
    out = np.zeros((keys, bands), np.uint64)
    for k in range(keys):
        n = _tokens(data, offsets[k], offsets[k + 1], tokens, len(tokens))
        n = _shingles(tokens, n, weights, windows)
        signature[:] = np.uint64(0xFFFFFFFF)
        for w in range(n):
            h = windows[w]
            for p in range(len(a)):
                v = (a[p] * h + b[p]) >> np.uint64(32)
                if v < signature[p]:
                    signature[p] = v
        for band in range(bands):
            h = np.uint64(0)
            for r in range(rows):
                h += signature[band * rows + r] * band_weights[r]
            out[k, band] = h
    return out


@numba.njit(cache=True)
def _heads(data, offsets, weights):
    """See `key_heads`: the first `len(weights)` token hashes of a key, weighted by place
    and summed, mixed."""
    tokens = np.empty(_longest(offsets), np.uint64)
    out = np.zeros(len(offsets) - 1, np.uint64)
    for k in range(len(out)):
        if _tokens(data, offsets[k], offsets[k + 1], tokens, len(weights) + 1) > len(weights):
            h = np.uint64(0)
            for p in range(len(weights)):
                h += tokens[p] * weights[p]
            out[k] = _mix(h) or np.uint64(1)
    return out


@numba.njit(cache=True)
def _jaccards(flat, starts, pairs):
    """The Jaccard similarity of each pair's sets of shingle hashes (keys' flat hashes
    from `_flat_shingles`, each key's sorted in place first)."""
    sizes = np.empty(len(starts) - 1, np.int64)
    for k in range(len(sizes)):
        own = flat[starts[k] : starts[k + 1]]
        own.sort()
        n = min(len(own), 1)
        for i in range(1, len(own)):
            if own[i] != own[n - 1]:
                own[n], n = own[i], n + 1
        sizes[k] = n
    out = np.empty(len(pairs))
    for p in range(len(pairs)):
        i, j = pairs[p, 0], pairs[p, 1]
        x, y, x_end, y_end = starts[i], starts[j], starts[i] + sizes[i], starts[j] + sizes[j]
        common = 0
        while x < x_end and y < y_end:
            if flat[x] == flat[y]:
                common, x, y = common + 1, x + 1, y + 1
            elif flat[x] < flat[y]:
                x += 1
            else:
                y += 1
        out[p] = common / (sizes[i] + sizes[j] - common)
    return out


def odd_weights(n: int, seed: int) -> np.ndarray:
    """`n` odd 64-bit numbers drawn from `seed`."""
    return np.random.default_rng(seed).integers(1, 2**63, n, dtype=np.uint64) | 1


def shingle_hashes(keys: pa.Array, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of each key's `size`-token windows, flat, and the offsets of each key's."""
    data, offsets = buffers(keys)
    return _flat_shingles(data, offsets, odd_weights(size, seed))


def jaccards(keys: pa.Array, pairs: np.ndarray, size: int, seed: int) -> np.ndarray:
    """The Jaccard similarity of the shingle sets of each pair `(i, j)` of `keys`."""
    flat, starts = shingle_hashes(keys, size, seed)
    return _jaccards(flat, starts, np.ascontiguousarray(pairs, np.int64).reshape(-1, 2))


def band_hashes(keys: pa.Array, size: int, num_perm: int, bands: int, seed: int) -> np.ndarray:
    """Each key's LSH band hashes, shape (keys, bands): its MinHash signature over shingles
    of `size` tokens, cut in `bands` bands of `num_perm // bands` values, each hashed."""
    data, offsets = buffers(keys)
    rng = np.random.default_rng([seed, num_perm])
    a = rng.integers(0, 2**64, num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**64, num_perm, dtype=np.uint64)
    rows = odd_weights(num_perm // bands, seed)
    return _bands(data, offsets, odd_weights(size, seed), a, b, rows, bands)


def key_heads(keys: pa.Array, min_words: int, seed: int) -> np.ndarray:
    """A hash of each key's first `min_words - 1` tokens (never 0), or 0 if it has fewer
    than `min_words`. Such a key ends its first `min_words - 1` tokens with a blank or a
    character of an unspaced script, so every key it is a prefix of shares them."""
    return _heads(*buffers(keys), odd_weights(min_words - 1, seed))


def load(bands: bool = False, pairs: bool = False) -> None:
    """Load the compiled functions a stage calls (from numba's cache: `bands` for
    `band_hashes` and `key_heads`, `pairs` for `jaccards`) now rather than at their first call, with
    arrays of the types they are called with, and no Arrow: worker processes forked after
    it share them."""
    data, offsets, one = np.frombuffer(b"a", np.uint8), np.array([0, 1]), odd_weights(1, 0)
    if pairs:
        _jaccards(*_flat_shingles(data, offsets, one), np.empty((0, 2), np.int64))
    if bands:
        _bands(data, offsets, one, one, one, one, 1)
        _heads(data, offsets, one)
