"""A stable argsort of 64-bit hashes by radix, compiled (numba): numpy's stable sort of
64-bit integers is a merge sort (timsort), two to three times slower on random hashes."""

import numpy as np

from pipeline.core.jit import numba

_BITS = 8  # a digit: eight passes; its counts and the places it writes to stay in cache
_MASK = np.uint64((1 << _BITS) - 1)
_PASSES = -(-64 // _BITS)
FEW = 1 << 17


@numba.njit(cache=True, nogil=True)
def _argsort(keys):
    """See `argsort`."""
    n = len(keys)
    counts = np.zeros((_PASSES, (1 << _BITS) + 1), np.int64)
    for i in range(n):  # every pass's counts in one read
        for p in range(_PASSES):
            counts[p, ((keys[i] >> np.uint64(p * _BITS)) & _MASK) + 1] += 1
    values, order = keys.copy(), np.arange(n)
    spare_values, spare_order = np.empty_like(values), np.empty_like(order)
    for p in range(_PASSES):
        if counts[p].max() == n:
            continue  # every key has the same digit here: the order stays
        starts = np.cumsum(counts[p])
        shift = np.uint64(p * _BITS)
        for i in range(n):
            digit = (values[i] >> shift) & _MASK
            at = starts[digit]
            starts[digit] = at + 1
            spare_values[at], spare_order[at] = values[i], order[i]
        values, spare_values = spare_values, values
        order, spare_order = spare_order, order
    return order


def argsort(keys: np.ndarray) -> np.ndarray:
    """`np.argsort(keys, kind="stable")` of unsigned 64-bit `keys`: numpy's own below
    `FEW` keys, where the compiled function would cost more to load in a process (about
    0.1 s) than it saves (an incremental build's bands)."""
    if keys.dtype != np.uint64:
        raise TypeError(f"radix.argsort sorts uint64 keys, not {keys.dtype}")
    if len(keys) < FEW:
        return np.argsort(keys, kind="stable")
    return _argsort(np.ascontiguousarray(keys))


def unique_digests(digests: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`np.unique(digests, return_index=True, return_inverse=True)` of 128-bit digests
    (`V16`), six times faster: sorted by their first 64 bits (big-endian, as numpy compares
    them) by radix, and by all 128 where two differ only in the last 64."""
    halves = digests.view(">u8").reshape(-1, 2).astype(np.uint64)
    high, low = halves[:, 0], halves[:, 1]
    order = argsort(high)
    high, low = high[order], low[order]
    same = high[1:] == high[:-1]
    if (same & (low[1:] != low[:-1])).any():
        order = np.lexsort((halves[:, 1], halves[:, 0]))
        high, low = halves[order, 0], halves[order, 1]
        same = (high[1:] == high[:-1]) & (low[1:] == low[:-1])
    starts = np.r_[True, ~same] if len(order) else np.empty(0, bool)
    inverse = np.empty(len(order), np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return digests[order[starts]], order[starts], inverse


def load() -> None:
    """Load the compiled function now (see `minhash.load`)."""
    _argsort(np.zeros(1, np.uint64))
