"""Compiled passes (numba) over the UTF-8 bytes of Arrow string arrays: one loop over a
column where Python would loop over its rows. Whitespace here is ASCII's (`\\t\\n\\v\\f\\r`,
`\\x1c` to `\\x1f` and the space): what `str.split` splits on in a text without exotic
spaces, which is what the callers hand over; `key` reads every character's class from its
table of the plane instead."""

import functools
import itertools

import numpy as np
import pyarrow as pa

from pipeline.core.jit import numba

_LF, _CR, _SPACE = 10, 13, 32


@numba.njit(cache=True, inline="always")
def _blank(byte):
    """An ASCII whitespace byte."""
    return byte == _SPACE or 9 <= byte <= 13 or 28 <= byte <= 31


# Per byte, for `_fold` and `_counts`: a table lookup costs less than the tests.
_BLANKS = np.array([_blank.py_func(byte) for byte in range(256)], np.bool_)
_LOWERS = np.array([97 <= byte <= 122 for byte in range(256)], np.int64)


def buffers(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and the int64 offsets of a string (or binary) array's values, the
    bytes not copied."""
    large = pa.types.is_large_string(strings.type) or pa.types.is_large_binary(strings.type)
    width = np.int64 if large else np.int32
    _, offsets, data = strings.buffers()
    offsets = np.frombuffer(offsets, width)[strings.offset : strings.offset + len(strings) + 1]
    data = np.frombuffer(data if data is not None else b"\0", np.uint8)
    data.setflags(write=False)  # always: one compiled version (`load`)
    return data, offsets.astype(np.int64)


def replaced(column: pa.Array, rows: np.ndarray, values: list) -> pa.Array:
    """`column` with the values at `rows` (distinct indices) replaced by `values`."""
    if not len(rows):
        return column
    at = np.arange(len(column))
    at[rows] = len(column) + np.arange(len(rows))
    return pa.concat_arrays([column, pa.array(values, column.type)]).take(at)


def views(strings: pa.Array) -> list[memoryview]:
    """Each string's UTF-8 bytes, as a view of the array's buffer: no Python string made."""
    data, offsets = buffers(strings)
    whole = memoryview(data)
    return [whole[a:b] for a, b in itertools.pairwise(offsets.tolist())]


def _strings(data: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """A string array of the bytes `data` cut at `offsets`."""
    return pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    ).cast(pa.string())


@numba.njit(cache=True)
def _label_end(data, i, end, label):
    """Where the text at `i` continues after blanks, then `label` (lower-case ASCII, matched
    in any case) ending in `:` or a line end (blanks before either); `i` if it does not."""
    if not len(label):
        return i
    j = i
    while j < end and _blank(data[j]):
        j += 1
    if end - j < len(label):
        return i
    for k in range(len(label)):
        byte = data[j + k]
        if (byte + 32 if 65 <= byte <= 90 else byte) != label[k]:
            return i
    j += len(label)
    while j < end and (data[j] == _SPACE or data[j] == 9):
        j += 1
    if j == end or data[j] == _LF or data[j] == _CR:
        return j
    return j + 1 if data[j] == 58 else i  # `:`


@numba.njit(cache=True)
def _fold(data, offsets, label):
    """See `fold`."""
    out = np.empty(max(len(data), 1), np.uint8)
    ends = np.zeros(len(offsets), np.int64)
    o = 0
    for k in range(len(offsets) - 1):
        end = offsets[k + 1]
        breaks, i = -1, _label_end(data, offsets[k], end, label)  # -1: before the first word
        while i < end:
            byte = data[i]
            if _BLANKS[byte]:
                line_end = byte == _LF or (byte == _CR and (i + 1 == end or data[i + 1] != _LF))
                if breaks >= 0 and line_end:
                    breaks += 1
                i += 1
                continue
            if breaks >= 0:
                out[o] = _LF if breaks >= 2 else _SPACE
                o += 1
            while True:  # a word: its first byte is no blank
                out[o] = data[i]
                o, i = o + 1, i + 1
                if i == end or _BLANKS[data[i]]:
                    break
            breaks = 0
        ends[k + 1] = o
    return out[:o], ends


def fold(texts: pa.Array, label: str = "") -> pa.Array:
    """Each text's words, a newline between two where a blank line (two line ends or more:
    CRLF, LF or a lone CR) parts them, else a space: `fold_whitespace` of a text without
    line-end hyphens. A leading `label` (`Abstract:`, any case, or alone on its line) is
    dropped first."""
    label = np.frombuffer(label.lower().encode("ascii"), np.uint8)
    return _strings(*_fold(*buffers(texts), label))


@numba.njit(cache=True, inline="always")
def code_at(data, i):
    """The character at byte `i` of UTF-8 `data` and the byte after it; -1 for one outside
    the Basic Multilingual Plane."""
    byte = np.int64(data[i])
    if byte < 0x80:
        return byte, i + 1
    if byte < 0xE0:
        return (byte & 0x1F) << 6 | (data[i + 1] & 0x3F), i + 2
    if byte < 0xF0:
        return (byte & 0x0F) << 12 | (data[i + 1] & 0x3F) << 6 | (data[i + 2] & 0x3F), i + 3
    return -1, i + 4


@functools.cache
def _folds() -> np.ndarray:
    """What `dedup_key` makes of each character of the Basic Multilingual Plane: its case
    fold if that is one letter or digit, 1 for a blank, 0 for a character it drops, -1 if
    the fold is several characters (`ß` -> `ss`) or outside the plane."""
    folds = np.zeros(0x10000, np.int32)
    for code in range(0x10000):
        folded = chr(code).casefold()
        if len(folded) > 1 or ord(folded) > 0xFFFF:
            folds[code] = -1
        elif folded.isspace():
            folds[code] = 1
        elif folded.isalnum():
            folds[code] = ord(folded)
    return folds


@numba.njit(cache=True, nogil=True)
def _key(data, offsets, folds):
    """See `key`."""
    out = np.empty(len(data) * 3 // 2 + 1, np.uint8)  # a fold at most 3 bytes for 2
    ends = np.zeros(len(offsets), np.int64)
    unfolded = np.zeros(len(offsets) - 1, np.bool_)
    o = 0
    for k in range(len(offsets) - 1):
        start, gap, i = o, False, offsets[k]
        while i < offsets[k + 1]:
            code, i = code_at(data, i)
            code = folds[code] if code >= 0 else -1  # -1: outside the plane
            if code < 0:
                unfolded[k] = True
                break
            if code == 1:
                gap = True
            elif code:
                if gap and o > start:
                    out[o], o = _SPACE, o + 1
                gap = False
                if code < 0x80:
                    out[o], o = code, o + 1
                elif code < 0x800:
                    out[o], out[o + 1] = 0xC0 | code >> 6, 0x80 | (code & 0x3F)
                    o += 2
                else:
                    out[o], out[o + 1] = 0xE0 | code >> 12, 0x80 | (code >> 6 & 0x3F)
                    out[o + 2], o = 0x80 | (code & 0x3F), o + 3
        ends[k + 1] = o
    return out[:o], ends, unfolded


def key(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """`dedup_key` of each text: case folded, only letters and digits, words split by one
    space; and where it is not (a character outside the Basic Multilingual Plane, or whose
    fold is several characters: `dedup_key` must say)."""
    data, offsets = buffers(texts)
    out, ends, unfolded = _key(data, offsets, _folds())
    return _strings(out, ends), unfolded


@functools.cache
def _spaces() -> np.ndarray:
    """Whether `str.split` splits at each character of the Basic Multilingual Plane (none
    beyond it does)."""
    return np.array([chr(code).isspace() for code in range(0x10000)], np.bool_)


@numba.njit(cache=True)
def _split_as_ascii(data, offsets, spaces):
    """See `splits_as_ascii`."""
    out = np.ones(len(offsets) - 1, np.bool_)
    for k in range(len(offsets) - 1):
        i, end = offsets[k], offsets[k + 1]
        while i < end:
            byte = np.int64(data[i])
            if byte < 0x80:
                i += 1
                continue
            n = 2 if 0xC2 <= byte < 0xE0 else 3 if 0xE0 <= byte < 0xF0 else 4
            low, high = 0x80, 0xBF  # what the second byte may be
            if byte == 0xE0:
                low = 0xA0  # not overlong
            elif byte == 0xED:
                high = 0x9F  # not a surrogate
            elif byte == 0xF0:
                low = 0x90
            elif byte == 0xF4:
                high = 0x8F  # not beyond U+10FFFF
            valid = byte >= 0xC2 and byte <= 0xF4 and i + n <= end
            valid = valid and low <= data[i + 1] <= high
            for j in range(i + 2, min(i + n, end)):
                valid = valid and 0x80 <= data[j] <= 0xBF
            if not valid or (n < 4 and spaces[code_at(data, i)[0]]):
                out[k] = False
                break
            i += n
    return out


def splits_as_ascii(texts: pa.Array) -> np.ndarray:
    """Whether each of `texts` (string or binary) is UTF-8 that `str.split` splits at
    ASCII's spaces only: the whitespace that `fold` and `counts` know."""
    return _split_as_ascii(*buffers(texts), _spaces())


@numba.njit(cache=True)
def _counts(data, offsets):
    """See `counts`."""
    words = np.zeros(len(offsets) - 1, np.int64)
    lower = np.zeros(len(offsets) - 1, np.int64)
    for k in range(len(offsets) - 1):
        starts, lowers, previous_blank = 0, 0, True
        for i in range(offsets[k], offsets[k + 1]):
            blank = _BLANKS[data[i]]
            starts += previous_blank and not blank
            lowers += _LOWERS[data[i]]
            previous_blank = blank
        words[k], lower[k] = starts, lowers
    return words, lower


def counts(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each text's words (`len(text.split())` of a text without exotic spaces) and its
    lower-case ASCII letters."""
    return _counts(*buffers(texts))


@numba.njit(cache=True, inline="always")
def _line_blank(byte):
    """A byte of a blank line but its newline (`segment.BLANK_LINES`: ` \\t\\r\\v\\f`)."""
    return byte == _SPACE or byte == 9 or 11 <= byte <= 13


@numba.njit(cache=True)
def _extents(data, offsets):
    """See `extents`."""
    n = len(offsets) - 1
    lead, trail, blank = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.bool_)
    for k in range(n):
        a, b = offsets[k], offsets[k + 1]
        while a < b and (data[a] == _LF or _line_blank(data[a])):
            a += 1
        while b > a and (data[b - 1] == _LF or _line_blank(data[b - 1])):
            b -= 1
        lead[k], trail[k] = a - offsets[k], offsets[k + 1] - b
        newline = False  # a newline, then only blanks
        for i in range(a, b):
            if data[i] == _LF:
                if newline:
                    blank[k] = True
                    break
                newline = True
            elif newline and not _line_blank(data[i]):
                newline = False
    return lead, trail, blank


def extents(spans: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of `spans` (binary): the bytes of whitespace (`decode.WHITESPACE`) before
    its first other byte and after its last (all of it before, if it has none), and whether
    a blank line (a newline, blanks, a newline) lies between the two."""
    return _extents(*buffers(spans))


@numba.njit(cache=True, nogil=True)
def _prefixes(data, offsets, pairs):
    """See `prefixes`."""
    out = np.zeros(len(pairs), np.int8)
    for p in range(len(pairs)):
        a, b = offsets[pairs[p, 0]], offsets[pairs[p, 1]]
        n, m = offsets[pairs[p, 0] + 1] - a, offsets[pairs[p, 1] + 1] - b
        if n > m:
            continue
        k = 0
        while k < n and data[a + k] == data[b + k]:
            k += 1
        if k == n:
            out[p] = 2 if n == m else 1
    return out


def prefixes(texts: pa.Array, pairs: np.ndarray) -> np.ndarray:
    """For each pair `(i, j)` of indices into `texts`: 2 if the two texts are the same, 1
    if text i starts text j (`str.startswith`: UTF-8 is prefix-free), else 0."""
    pairs = np.ascontiguousarray(pairs, np.int64).reshape(-1, 2)
    return _prefixes(*buffers(texts), pairs)


def load(parse: bool = False, normalize: bool = False, dedup: bool = False) -> None:
    """Load compiled functions now (see `minhash.load`): those that `parse` (its records'
    extents and fold), `normalize` and `dedup` (the keys it copies, `prefixes`) call."""
    data, offsets = np.frombuffer(b"a", np.uint8), np.array([0, 1])
    if parse or normalize:
        _fold(data, offsets, np.frombuffer(b"a", np.uint8))
    if parse:
        _split_as_ascii(data, offsets, _spaces())
        _extents(data, offsets)
    if normalize or dedup:
        _key(data, offsets, _folds())
    if normalize:
        _counts(data, offsets)
    if dedup:
        _prefixes(data, offsets, np.empty((0, 2), np.int64))
