"""What each text of a column says it releases (`enrich.releases`, without links), in one
compiled pass (numba) over the column's UTF-8 bytes: sentences parted where `re` parts
them, and each word looked up in a hash table of the phrases' first words (release
phrases, artifact words), the phrases it opens compared as bytes: `re` matches them as
whole words only. A character's classes (`\\w`, `\\s`) are read from a table of the Basic
Multilingual Plane; a text the table cannot judge (a character outside the plane, or an
ASCII lookalike) is left to `enrich.releases`."""

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core import enrich
from pipeline.core.jit import numba
from pipeline.core.utf8 import buffers, code_at

_WORD, _BLANK, _UNSURE = 1, 2, 4  # a character's classes
_SLOT_BITS = 8
_SLOTS = 1 << _SLOT_BITS  # of the hash table of phrases' first words
_NO_KEY = 0xFFFFFFFFFFFFFFFF  # a word with a character outside ASCII
_STOPS = np.array([chr(byte) in enrich.SENTENCE_STOPS for byte in range(128)], np.bool_)
# A phrase's bits: one for each kind of artifact it names, `_SAYS` if it is a release
# phrase, `_VERB` if it opens the `make ... public` one.
_SAYS, _VERB = 1 << len(enrich.ARTIFACTS), 2 << len(enrich.ARTIFACTS)
# Where a release phrase may stand (RE2): one of them (words, blanks and hyphens: no
# character to escape) or `public` in any case, or a character that `re` matches to an
# ASCII letter in any case, which RE2 may not.
_MAY_SAY = (
    f"(?i:{'|'.join((*enrich.RELEASE_PHRASES, enrich.PUBLIC_WORD))})|[{enrich.ASCII_LOOKALIKES}]"
)


@functools.cache
def _classes() -> np.ndarray:
    """The classes of each character of the plane (see the module's docstring). Lower
    case keeps every other character one character of its class, outside ASCII (a test
    checks): the artifact words, searched in the lower-cased sentence, are words of it."""
    table = np.zeros(0x10000, np.uint8)
    for code in range(0x10000):
        char = chr(code)
        table[code] = _WORD * (char.isalnum() or char == "_") + _BLANK * char.isspace()
    for char in enrich.ASCII_LOOKALIKES:
        table[ord(char)] |= _UNSURE
    return table


@functools.cache
def _phrases() -> tuple[np.ndarray, ...]:
    """The phrases' bytes (lower-case ASCII) end to end, where each starts (and the end),
    their bits; a hash table of the first eight bytes of their first words (`_slot`):
    each slot's key (0: empty), and the phrases (a range of them, sorted by key) it opens."""
    found = {phrase: _SAYS for phrase in enrich.RELEASE_PHRASES}
    found |= {verb: _VERB for verb in enrich.PUBLIC_VERBS}
    for bit, words in enumerate(enrich.ARTIFACTS.values()):
        for word in words:
            found[word] = found.get(word, 0) | 1 << bit

    def key(phrase: str) -> int:
        return int.from_bytes(re.match(r"\w+", phrase)[0].encode("ascii")[:8], "big")

    ordered = sorted(found, key=lambda phrase: (key(phrase), phrase))
    data = np.frombuffer("".join(ordered).encode("ascii"), np.uint8)
    starts = np.cumsum([0, *map(len, ordered)])
    bits = np.array([found[phrase] for phrase in ordered], np.int64)
    keys = np.zeros(_SLOTS, np.uint64)
    ranges = np.zeros((_SLOTS, 2), np.int64)
    for p, phrase in enumerate(ordered):
        first = key(phrase)
        slot = _slot(np.uint64(first))
        while keys[slot] not in (0, first):
            slot = (slot + 1) % _SLOTS
        keys[slot] = first
        ranges[slot] = (ranges[slot][0] if ranges[slot][1] else p), p + 1
    return data, starts, bits, keys, ranges


@numba.njit(cache=True, inline="always")
def _slot(key):
    """The first slot of a key (Fibonacci hashing)."""
    return np.int64((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - _SLOT_BITS))


@numba.njit(cache=True, inline="always")
def _word_at(data, i, end, classes):
    """Whether a word character starts at byte `i` (not at `end`)."""
    if i >= end:
        return False
    code, _ = code_at(data, i)
    return code >= 0 and classes[code] & _WORD != 0


@numba.njit(cache=True, inline="always")
def _says_at(data, i, end, phrases, start, stop):
    """Whether the text at byte `i` is `phrases[start:stop]` (lower-case ASCII), in any
    case."""
    if end - i < stop - start:
        return False
    for j in range(start, stop):
        byte = data[i + j - start]
        if (byte + 32 if 65 <= byte <= 90 else byte) != phrases[j]:
            return False
    return True


@numba.njit(cache=True)
def _public(data, i, end, classes, public, gap):
    """Whether a space, at most `gap` words each followed by a space, then the whole word
    `public` follow byte `i` (`(?:\\w+ ){0,gap}public\\b`)."""
    if i >= end or data[i] != 32:
        return False
    i += 1
    for _ in range(gap + 1):
        says = _says_at(data, i, end, public, 0, len(public))
        if says and not _word_at(data, i + len(public), end, classes):
            return True
        j = i
        while _word_at(data, j, end, classes):
            _, j = code_at(data, j)
        if j == i or j >= end or data[j] != 32:
            return False
        i = j + 1
    return False


@numba.njit(cache=True)
def _bits_at(data, i, end, candidates, classes, phrases, starts, bits, public, gap):
    """The bits of the `candidates` (a range of phrases) that start at byte `i`, a word's
    start, as whole words."""
    found = 0
    for p in range(candidates[0], candidates[1]):
        if not _says_at(data, i, end, phrases, starts[p], starts[p + 1]):
            continue
        after = i + starts[p + 1] - starts[p]
        if bits[p] & _VERB:
            found |= _SAYS if _public(data, after, end, classes, public, gap) else 0
        elif not _word_at(data, after, end, classes):
            found |= bits[p]
    return found


@numba.njit(cache=True)
def _released(data, offsets, classes, tables, public, gap, stops):
    """See `released`."""
    phrases, starts, bits, keys, ranges = tables
    kinds = np.zeros(len(offsets) - 1, np.int64)
    unsure = np.zeros(len(offsets) - 1, np.bool_)
    for k in range(len(offsets) - 1):
        i, end = offsets[k], offsets[k + 1]
        said, named = False, 0  # in the sentence so far
        previous, blanks, after_stop = 0, False, False
        word, key = -1, np.uint64(0)  # where the word at hand starts (-1: none), its key
        while i <= end:  # one step past the end, as if on a NUL: it ends the last word
            code, after = code_at(data, i) if i < end else (0, end + 1)
            if code < 0 or classes[code] & _UNSURE:
                unsure[k] = True
                break
            if classes[code] & _WORD:
                if word < 0:
                    word, key = i, np.uint64(0)
                if code >= 0x80:
                    key = np.uint64(_NO_KEY)
                elif i - word < 8 and key != _NO_KEY:
                    key = key << np.uint64(8) | np.uint64(code + 32 if 65 <= code <= 90 else code)
            else:
                if word >= 0 and key != _NO_KEY:  # an ASCII word ends: a phrase's first?
                    slot = _slot(key)  # (here, not in a call: a call costs 50 ns)
                    while keys[slot] != key and keys[slot]:
                        slot = (slot + 1) & (_SLOTS - 1)
                    if keys[slot]:
                        found = _bits_at(
                            data,
                            word,
                            end,
                            ranges[slot],
                            classes,
                            phrases,
                            starts,
                            bits,
                            public,
                            gap,
                        )
                        said |= found & _SAYS != 0
                        named |= found & (_SAYS - 1)
                word = -1
            if classes[code] & _BLANK:
                if not blanks:
                    blanks, after_stop = True, previous < 128 and stops[previous]
            else:
                if blanks and after_stop and 65 <= code <= 90:  # a new sentence
                    kinds[k] |= named if said else 0
                    said, named = False, 0
                blanks = False
            previous, i = code, after
        kinds[k] |= named if said else 0
    return kinds, unsure


def released(texts: pa.Array) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`enrich.releases(text, [])` of each text, as a boolean array a kind, and the rows
    where it is not known: `enrich.releases` must say. The pass reads only the texts that
    `_MAY_SAY` finds: the others say nothing."""
    rows = np.flatnonzero(pc.match_substring_regex(texts, _MAY_SAY).to_numpy(False))
    public = np.frombuffer(enrich.PUBLIC_WORD.encode("ascii"), np.uint8)
    kinds, unsure = np.zeros(len(texts), np.int64), np.zeros(len(texts), np.bool_)
    kinds[rows], unsure[rows] = _released(
        *buffers(texts.take(rows)), _classes(), _phrases(), public, enrich.PUBLIC_GAP, _STOPS
    )
    return {kind: kinds & 1 << bit != 0 for bit, kind in enumerate(enrich.ARTIFACTS)}, unsure


def load() -> None:
    """Load the compiled pass and its tables now (see `minhash.load`)."""
    released(pa.array(["a"]))
