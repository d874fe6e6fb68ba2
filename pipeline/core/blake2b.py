"""BLAKE2b (RFC 7693, unkeyed) of each string of an Arrow array, compiled (numba) and run
without the interpreter: `hashlib.blake2b(value, digest_size=size).digest()` for every
row, which threads can share (hashlib holds the interpreter for values under 2 KB). A
test checks it against hashlib."""

import numpy as np
import pyarrow as pa

from pipeline.core.jit import numba
from pipeline.core.utf8 import buffers

_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    np.uint64,
)
_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ],
    np.int64,
)
_ROUNDS, _BLOCK = 12, 128


@numba.njit(cache=True, inline="always")
def _rotr(x, n):
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@numba.njit(cache=True, inline="always")
def _g(a, b, c, d, x, y):
    """BLAKE2b's mixing of four words of the work vector with two of the message."""
    a = a + b + x
    d = _rotr(d ^ a, 32)
    c = c + d
    b = _rotr(b ^ c, 24)
    a = a + b + y
    d = _rotr(d ^ a, 16)
    c = c + d
    b = _rotr(b ^ c, 63)
    return a, b, c, d


@numba.njit(cache=True, inline="always")
def _compress(h, m, count, last):
    """Mix the block whose words are `m` into the state `h`, `count` bytes hashed with it
    (the work vector in sixteen locals, which the compiler keeps in registers)."""
    v0, v1, v2, v3, v4, v5, v6, v7 = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    v8, v9, v10, v11 = _IV[0], _IV[1], _IV[2], _IV[3]
    v12, v13, v14, v15 = _IV[4] ^ np.uint64(count), _IV[5], _IV[6], _IV[7]
    if last:
        v14 = ~v14
    for r in range(_ROUNDS):
        s = _SIGMA[r % 10]
        v0, v4, v8, v12 = _g(v0, v4, v8, v12, m[s[0]], m[s[1]])
        v1, v5, v9, v13 = _g(v1, v5, v9, v13, m[s[2]], m[s[3]])
        v2, v6, v10, v14 = _g(v2, v6, v10, v14, m[s[4]], m[s[5]])
        v3, v7, v11, v15 = _g(v3, v7, v11, v15, m[s[6]], m[s[7]])
        v0, v5, v10, v15 = _g(v0, v5, v10, v15, m[s[8]], m[s[9]])
        v1, v6, v11, v12 = _g(v1, v6, v11, v12, m[s[10]], m[s[11]])
        v2, v7, v8, v13 = _g(v2, v7, v8, v13, m[s[12]], m[s[13]])
        v3, v4, v9, v14 = _g(v3, v4, v9, v14, m[s[14]], m[s[15]])
    h[0] ^= v0 ^ v8
    h[1] ^= v1 ^ v9
    h[2] ^= v2 ^ v10
    h[3] ^= v3 ^ v11
    h[4] ^= v4 ^ v12
    h[5] ^= v5 ^ v13
    h[6] ^= v6 ^ v14
    h[7] ^= v7 ^ v15


@numba.njit(cache=True, nogil=True)
def _digests(data, offsets, size):
    """See `digests`."""
    n = len(offsets) - 1
    states = np.empty((n, 64), np.uint8)
    words = states.view(np.uint64)  # each row's state, little-endian as the digest is
    block = np.zeros(_BLOCK, np.uint8)
    m = block.view(np.uint64)
    for k in range(n):
        h = words[k]
        h[:] = _IV
        h[0] ^= np.uint64(0x01010000 | size)
        start, end = offsets[k], offsets[k + 1]
        while end - start > _BLOCK:  # every block but the last
            block[:] = data[start : start + _BLOCK]
            start += _BLOCK
            _compress(h, m, start - offsets[k], False)
        block[:] = 0
        block[: end - start] = data[start:end]
        _compress(h, m, end - offsets[k], True)
    return states[:, :size].copy()


def digests(strings: pa.Array, size: int) -> np.ndarray:
    """The BLAKE2b digest of `size` bytes (1 to 64) of each string's UTF-8 bytes: an array
    of shape (strings, size)."""
    data, offsets = buffers(strings)
    return _digests(data, offsets, size)


def load() -> None:
    """Load the compiled function now (see `minhash.load`)."""
    _digests(np.frombuffer(b"a", np.uint8), np.array([0, 1]), 16)
