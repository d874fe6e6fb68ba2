"""Ids for life: the registry of published occurrences, and the id each abstract gets.

The registry (`registry/ids.tsv`, kept in git) has one line per occurrence ever
published: the 64-bit BLAKE2b of its `text_raw` and its abstract's id, 16 lowercase hex
digits each, separated by a tab, sorted by digest. Raw spans never change when the text
rules do, so an occurrence is known whatever its key becomes. Lines are fixed-width
(`LINE` bytes): they are read and written as numpy arrays, never line by line.
"""

import hashlib
import re
from collections import defaultdict

import numpy as np

from pipeline.core.arrays import distinct
from pipeline.core.decode import utf8_bytes
from pipeline.errors import UserError

LINE = 34  # 16 hex digits, a tab, 16 hex digits, a newline
_DIGITS = np.frombuffer(b"0123456789abcdef", np.uint8)
_VALUE = np.full(256, 255, np.uint8)  # each byte's hex value, 255 if not a digit
_VALUE[_DIGITS] = np.arange(16)
_SHIFTS = np.arange(60, -4, -4, dtype=np.uint64)  # of each digit, most significant first
_WELL_FORMED = re.compile(rb"[0-9a-f]{16}\t[0-9a-f]{16}")
_WRITTEN = "the file is written by `abstracts register` (fix the line, or take it from git)"


class RegistryError(UserError, ValueError):
    """The registry is malformed, or disagrees with a release."""


def raw_digest(text_raw: str | memoryview) -> int:
    """The 64-bit BLAKE2b of an occurrence's raw text (or its UTF-8 bytes): how the
    registry knows it."""
    return int.from_bytes(hashlib.blake2b(utf8_bytes(text_raw), digest_size=8).digest(), "big")


def parse(
    data: bytes, where: str, first_line: int = 1, before: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The digests (uint64) and ids (`S16`) of whole registry lines, the first being line
    `first_line` of `where` and `before` the digest of the line before it, if any. A
    RegistryError names the first line that is malformed or out of order."""
    data += b"" if data.endswith(b"\n") or not data else b"\n"  # a last line without one
    table = np.frombuffer(data, np.uint8)
    rows = table[: len(table) // LINE * LINE].reshape(-1, LINE)
    digits = _VALUE[rows[:, np.r_[0:16, 17:33]]]
    good = (digits < 16).all(axis=1) & (rows[:, 16] == 9) & (rows[:, 33] == 10)
    if len(table) % LINE or not good.all():
        number, line = next(
            (n, line)
            for n, line in enumerate(data[:-1].split(b"\n"), first_line)
            if not _WELL_FORMED.fullmatch(line)
        )
        raise RegistryError(
            f"{where}:{number}: expected `<16 hex digits><tab><16 hex digits>` (lowercase), "
            f"got {line.decode(errors='replace')!r}; {_WRITTEN}"
        )
    digests = (digits[:, :16].astype(np.uint64) << _SHIFTS).sum(axis=1, dtype=np.uint64)
    following = digests if before is None else np.r_[np.uint64(before), digests]
    unordered = np.flatnonzero(following[1:] <= following[:-1])
    if len(unordered):
        number = first_line + unordered[0] + (before is None)
        raise RegistryError(
            f"{where}:{number}: digest not after the line before's (the lines are sorted by "
            f"digest, each once); {_WRITTEN}"
        )
    return digests, rows[:, 17:33].copy().view("S16").ravel()


def hex_digits(digests: np.ndarray) -> np.ndarray:
    """The 16 lowercase hex digits of each digest (uint64), as uint8, shape (n, 16): as a
    registry line starts, so that lines sort as their digests do."""
    return _DIGITS[(digests[:, None] >> _SHIFTS) & np.uint64(15)]


def lines(digests: np.ndarray, ids: np.ndarray) -> bytes:
    """The registry lines of `digests` (uint64) and `ids` (`S16`), in the given order."""
    table = np.empty((len(digests), LINE), np.uint8)
    table[:, :16] = hex_digits(digests)
    table[:, 16], table[:, 33] = 9, 10
    table[:, 17:33] = ids.view(np.uint8).reshape(-1, 16)
    return table.tobytes()


def merge(
    old: tuple[np.ndarray, np.ndarray], new: tuple[np.ndarray, np.ndarray], where: str
) -> tuple[np.ndarray, np.ndarray]:
    """The registry `old` (sorted) with the occurrences `new` (digests, ids) added: sorted,
    each digest once. A digest given two ids (a release not built with this registry)
    is a RegistryError."""
    digests, ids = np.r_[old[0], new[0]], np.r_[old[1], new[1]]
    order = np.lexsort((ids, digests))
    digests, ids = digests[order], ids[order]
    repeated = np.r_[False, digests[1:] == digests[:-1]]
    clash = np.flatnonzero(repeated & np.r_[False, ids[1:] != ids[:-1]])
    if len(clash):
        at = clash[0]
        raise RegistryError(
            f"{where}: occurrence {int(digests[at]):016x} has ids {ids[at - 1].decode()} and "
            f"{ids[at].decode()}: the release was not built with this registry; run "
            "`dvc repro`, then register"
        )
    return digests[~repeated], ids[~repeated]


def owners(roots: np.ndarray, key: np.ndarray, code: np.ndarray, joined: np.ndarray):
    """Each row's registered id, as its `code` (-1: none).

    `roots` is each distinct key's group root (`cluster`), `key` each row's distinct key,
    `code` each row's own registered id (-1 if not registered), `joined` the pairs of
    distinct keys that joined the groups. A registered row keeps its id; the other rows
    of a group take the one id registered in it. A group holding several (a new copy
    bridges published abstracts) is not merged: each unregistered row takes the id of the
    registered key nearest to its key over the group's joined pairs, the smallest id on ties.
    """
    group, has = roots[key], code >= 0
    at, codes, count = _ids_by_group(roots, key, code)
    only = np.full(len(roots), -1, np.int64)
    only[at[count[at] == 1]] = codes[count[at] == 1]
    owner = np.where(has, code, only[group])
    bridged = np.flatnonzero(count[group] > 1)
    if len(bridged):
        edges = joined[count[roots[joined[:, 0]]] > 1]
        nearest = _nearest(_sources(key[bridged], code[bridged]), edges.tolist())
        free = bridged[~has[bridged]]
        owner[free] = [nearest[k] for k in key[free].tolist()]
    return owner


def _ids_by_group(roots: np.ndarray, key: np.ndarray, code: np.ndarray):
    """Each (group root, registered id) held by some row, once, as two arrays; and how many
    ids each group holds, by root."""
    has = code >= 0
    span = np.int64(code.max(initial=-1)) + 1
    both = distinct(roots[key][has].astype(np.int64) * span + code[has])
    at, codes = np.divmod(both, span)
    return at, codes, np.bincount(at, minlength=len(roots))


def bridged(roots: np.ndarray, key: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Which distinct keys are in a group holding several registered ids (arguments as for
    `owners`): `owners` splits such a group over its joined pairs, all of them."""
    return _ids_by_group(roots, key, code)[2][roots] > 1


def _sources(keys: np.ndarray, codes: np.ndarray) -> dict[int, int]:
    """Each key holding registered rows: the smallest of their ids."""
    sources = {}
    for key, code in zip(keys.tolist(), codes.tolist(), strict=True):
        if code >= 0:
            sources[key] = min(code, sources.get(key, code))
    return sources


def _nearest(sources: dict[int, int], edges: list[list[int]]) -> dict[int, int]:
    """Each node reachable from `sources` (node: code) by `edges`: the code of its nearest
    source, the smallest on ties (a breadth-first search from all sources at once)."""
    adjacent = defaultdict(list)
    for a, b in edges:
        adjacent[a].append(b)
        adjacent[b].append(a)
    nearest, frontier = dict(sources), list(sources)
    while frontier:
        reached = {}
        for node in frontier:
            for other in adjacent[node]:
                if other not in nearest:
                    reached[other] = min(nearest[node], reached.get(other, nearest[node]))
        nearest |= reached
        frontier = list(reached)
    return nearest
