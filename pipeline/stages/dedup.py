"""The dedup stage: which abstract each normalized occurrence is a copy of.

It decides and does not copy: out/links.parquet holds, for every occurrence in part
order, its span key (`source`, `byte_start`: publish checks it), its abstract's id, how it
matched, whether it is the canonical copy, and the abstract's derived columns. Publish
joins the links to the normalized parts. Memory holds only what grouping needs: each
occurrence's key digest and a few numbers, and one LSH band at a time (the bands wait in
scratch files); span keys are read back from the parts a batch at a time as links are
written. Texts are read a chunk at a time: the keys that are candidates to join another
are copied to a scratch file first. An abstract published before keeps its id: the
registry of published occurrences (`pipeline.core.ids`) says which.
"""

import contextlib
import mmap
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import parts, registry
from pipeline.core import minhash
from pipeline.core.arrays import distinct, missing
from pipeline.core.dedup import DedupParams, band_pairs, candidates, cluster, match_kind
from pipeline.core.flags import length_flags
from pipeline.core.ids import bridged, owners
from pipeline.io import ValidatedWriter, atomic_dir, replacing, take_rows, write_json
from pipeline.parallel import mapper, workers
from schemas import FLAGS, MATCH_KINDS, Links, NormalizedOccurrences
from schemas.derive import arrow_schema
from schemas.fields import KEY

# The flags that normalize computed; dedup derives the others (schemas.abstracts.Grouped).
TEXT_FLAGS = tuple(f for f in FLAGS if f in arrow_schema(NormalizedOccurrences).names)
# How a copy matched, by its code in `matched`.
KINDS = np.array(list(MATCH_KINDS), dtype=object)
# What decides which copy of a group is canonical, in order, before the text itself: complete
# over truncated, then fewer defects (`n_defects`: the kinds of `pipeline.core.defects`,
# characters lost and legacy decoding, one each), then longer.
RANK = ("is_truncated", "n_defects", "minus_chars")


@dataclass
class Rows:
    """What grouping needs of every occurrence, in part order. Distinct keys are known by
    their digests (`key_hash`), numbered in digest order; their texts stay on disk."""

    files: list[Path]  # the normalized parts
    offsets: np.ndarray  # part p holds rows offsets[p]:offsets[p + 1]
    digests: np.ndarray  # each distinct key's digest, in order
    key: np.ndarray  # each row's distinct key
    first: np.ndarray  # each distinct key's first row
    key_heads: np.ndarray  # each distinct key's `key_head`
    text_digests: np.ndarray  # each row's `text_hash`
    ids: pa.ChunkedArray  # each row's `key_id`
    raw_hashes: np.ndarray  # each row's `raw_hash`, how the registry knows it
    values: dict[str, np.ndarray]  # text flags, n_words, minus_chars, is_legacy_decoded, n_defects
    bands: list[Path]  # files of every row's hash in each LSH band, read one at a time

    @classmethod
    def load(cls, files: list[Path], bands: int, scratch: Path) -> "Rows":
        """Read the parts' `files`, writing the band files under `scratch`."""
        names = (*TEXT_FLAGS, "n_words", "n_chars", "key_head", "raw_hash", "defects")
        digests, texts, ids, sizes = [], [], [], [0]
        values = {name: [] for name in (*names, "is_legacy_decoded")}
        paths = [scratch / f"band-{b}.u64" for b in range(bands)]
        with contextlib.ExitStack() as stack:
            outs = [stack.enter_context(path.open("wb")) for path in paths]
            for path in files:
                columns = ["key_hash", "text_hash", "key_id", "lsh", "encoding", *names]
                table = pq.read_table(path, columns=columns)
                digests += [_digests(chunk) for chunk in table.column("key_hash").chunks]
                texts += [_digests(chunk) for chunk in table.column("text_hash").chunks]
                ids += table.column("key_id").chunks
                lsh = pc.list_flatten(table.column("lsh")).to_numpy().reshape(-1, bands)
                for out, band in zip(outs, lsh.T, strict=True):
                    out.write(band.tobytes())
                for name in names:
                    values[name].append(table.column(name).to_numpy())
                legacy = pc.equal(table.column("encoding"), "cp1252")
                values["is_legacy_decoded"].append(legacy.to_numpy())
                sizes.append(table.num_rows)
        distinct, first, key = np.unique(_joined(digests), return_index=True, return_inverse=True)
        got = {n: np.concatenate(v) if v else np.empty(0, np.int64) for n, v in values.items()}
        got["minus_chars"] = -got.pop("n_chars")
        kinds = np.bitwise_count(got.pop("defects")).astype(np.int8)
        got["n_defects"] = kinds + got["has_lost_characters"] + got["is_legacy_decoded"]
        key_heads = got.pop("key_head")[first]
        raw = got.pop("raw_hash")
        ids = pa.chunked_array(ids, pa.string())
        offsets = np.cumsum(sizes)
        texts = _joined(texts)
        return cls(files, offsets, distinct, key, first, key_heads, texts, ids, raw, got, paths)


def _digests(chunk: pa.FixedSizeBinaryArray) -> np.ndarray:
    """The 16-byte digests of a chunk of a digest column, without copying."""
    data = np.frombuffer(chunk.buffers()[1], dtype="V16")
    return data[chunk.offset : chunk.offset + len(chunk)]


def _joined(digests: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(digests) if digests else np.empty(0, "V16")


class Keys:
    """The texts of some distinct keys, copied once from the parts to a scratch file of
    UTF-8 bytes and read back a few at a time: memory never holds them all."""

    def __init__(self, rows: Rows, path: Path):
        self.rows, self.path = rows, path
        self.at = np.empty(0, np.int64)  # the copied keys' first rows, sorted
        self.starts = np.empty(0, np.int64)  # where each copied key starts in the file
        self.ends = np.empty(0, np.int64)  # and ends

    def copy(self, wanted: np.ndarray) -> "Keys":
        """Copy the texts of the `wanted` distinct keys not copied yet; return self, which
        reads them."""
        at = missing(self.rows.first[wanted], self.at)
        lengths = [np.empty(0, np.int64)]
        with self.path.open("ab") as file:
            size = file.tell()
            for _, values in take_rows(self.rows.files, "key", at):
                ends = np.frombuffer(values.buffers()[1], np.int32)
                ends = ends[values.offset : values.offset + len(values) + 1]
                file.write(values.buffers()[2][ends[0] : ends[-1]])
                lengths.append(np.diff(ends))
        lengths = np.concatenate(lengths)
        at = np.r_[self.at, at]
        starts = np.r_[self.starts, size + np.cumsum(lengths) - lengths]
        ends = np.r_[self.ends, size + np.cumsum(lengths)]
        order = np.argsort(at, kind="stable")
        self.at, self.starts, self.ends = at[order], starts[order], ends[order]
        return self

    def __call__(self, wanted: np.ndarray) -> list[str]:
        """The texts of the `wanted` distinct keys, in that order (all copied before), read
        through a memory map: a slice each, no system call."""
        if not self.path.stat().st_size:  # no key copied, or only empty ones: no map
            return [""] * len(wanted)
        at = np.searchsorted(self.at, self.rows.first[wanted])
        spans = zip(self.starts[at].tolist(), self.ends[at].tolist(), strict=True)
        with self.path.open("rb") as file, mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ) as m:
            return [m[start:end].decode() for start, end in spans]


class Verdicts:
    """The verdicts on the candidate pairs of the last run, by the digests of their two
    keys, kept beside the output: a pair verified then is not verified again. They hold for
    the same params and code only (a verdict depends on nothing else)."""

    def __init__(self, path: Path, params: DedupParams):
        self.path = path
        self.stamp = repr((params.shingle_words, params.near_threshold, parts.code_digest()))

    def known(self, pairs: np.ndarray) -> np.ndarray:
        """Each pair's verdict in the last run (1 near, 0 not, -1 not verified); `pairs`
        holds the digests of each pair's keys, shape (pairs, 2)."""
        wanted = pairs.view("V32").ravel()
        before, near = np.empty(0, "V32"), np.empty(0, np.int8)
        if self.path.exists():
            with np.load(self.path) as saved:
                if str(saved["stamp"]) == self.stamp:
                    before, near = saved["pairs"], saved["near"]
        _, at = np.unique(np.concatenate([before, wanted]), return_inverse=True)
        verdicts = np.full(len(before) + len(wanted), -1, np.int8)
        verdicts[at[: len(before)]] = near
        return verdicts[at[len(before) :]]

    def save(self, pairs: np.ndarray, near: np.ndarray) -> None:
        """Keep the verdicts of this run's pairs (only those) for the next."""
        with replacing(self.path) as tmp, tmp.open("wb") as file:
            np.savez(file, pairs=pairs.view("V32").ravel(), near=near, stamp=self.stamp)


def groups(
    rows: Rows,
    keys: Keys,
    params: DedupParams,
    pmap: Callable,
    verdicts: Verdicts,
    code: np.ndarray,
):
    """For each distinct key, the distinct key of its group's root; and the pairs of distinct
    keys joined (all of them in a group that `code`, each row's registered id, says is
    bridged). Only the keys of candidate pairs and shared heads are copied, to `keys`;
    pairs verified in the last run are not again."""
    first = keys.path.with_name("first.npy")
    np.save(first, rows.first)
    codes = pmap(_band_pairs, ((path, first) for path in rows.bands))
    pairs = candidates(codes, len(rows.first))
    digests = rows.digests[pairs]
    known = verdicts.known(digests)
    complete = partial(bridged, key=rows.key, code=code)
    roots, near, joined = cluster(pairs, rows.key_heads, keys.copy, params, pmap, known, complete)
    verdicts.save(digests, near)
    return roots, joined


def _band_pairs(task: tuple[Path, Path]) -> np.ndarray:
    """The `band_pairs` of one band file, at the distinct keys' first rows (saved in a file)."""
    band, first = task
    return band_pairs(np.fromfile(band, dtype=np.uint64)[np.load(first)])


def registered_codes(rows: Rows, registered: tuple) -> tuple[np.ndarray, pa.Array]:
    """Each row's registered id as a code (-1: none), given the `registered` (digests, ids)
    of the rows; and the ids by code."""
    digests, names = registered
    names, codes = np.unique(names, return_inverse=True)
    named = pa.array(names, pa.binary(16)).cast(pa.string())
    return _codes(rows.raw_hashes, digests, codes), named


def identify(rows: Rows, roots: np.ndarray, joined: np.ndarray, code: np.ndarray, named):
    """Each row's abstract (a number), canonical row and abstract id, given the groups'
    `roots` and `joined` pairs (`groups`), and each row's registered id as a `code` into
    `named` (`registered_codes`).

    An abstract takes the id registered for its rows (`owners`: a group bridging several is
    split between them, never merged), or else its canonical copy's `key_id`; if another
    abstract holds that id, it joins that one (whose first canonical key it has)."""
    owner = owners(roots, rows.key, code, joined)
    unit, best = _abstracts(rows, roots, owner)
    taken = pc.fill_null(pc.index_in(rows.ids.take(best), value_set=named), -1).to_numpy()
    clash = (owner < 0) & (taken >= 0)
    if clash.any():
        owner[clash] = taken[clash]
        unit, best = _abstracts(rows, roots, owner)
    ids = pc.coalesce(named.take(pa.array(owner, mask=owner < 0)), rows.ids.take(best))
    return unit, best, ids


def _codes(raw_hashes: np.ndarray, digests: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row's registered id, as the code of its raw hash among the sorted `digests`
    (-1: not registered)."""
    if not len(digests):
        return np.full(len(raw_hashes), -1, np.int64)
    at = np.searchsorted(digests, raw_hashes).clip(0, len(digests) - 1)
    return np.where(digests[at] == raw_hashes, codes[at], -1)


def _abstracts(rows: Rows, roots: np.ndarray, owner: np.ndarray):
    """Each row's abstract, as a number (the registered ones after the groups' roots), and
    its canonical row."""
    unit = np.where(owner >= 0, len(roots) + owner, roots[rows.key])
    return unit, canonical(rows, unit)


def canonical(rows: Rows, group: np.ndarray) -> np.ndarray:
    """Each row's canonical row, the copy its abstract holds (see `RANK`): complete over
    truncated, fewer defects over more, longer over shorter, then the smallest text, so the
    choice depends on the texts only, never on file names."""
    rank = [rows.values[name] for name in reversed(RANK)]
    order = np.lexsort([*rank, group])  # by group, rank, then row
    if not len(order):
        return order
    grouped = group[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    head = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    # Rows that tie with their group's head on every rank field: the smallest text wins,
    # then the first row, the head. Equal digests mean equal texts: only groups whose tied
    # texts differ read them.
    tied = np.ones(len(order), dtype=bool)
    for values in rank:
        ranked = values[order]
        tied &= ranked == ranked[head]
    copies = np.flatnonzero(tied & (head != np.arange(len(order))))  # tied, not the head
    digests = rows.text_digests
    unlike = copies[digests[order[copies]] != digests[order[head[copies]]]]
    differ = np.zeros(len(order), dtype=bool)
    differ[head[unlike]] = True
    by_root = np.zeros(group.max() + 1, dtype=np.int64)
    by_root[grouped[starts]] = order[starts]
    smallest = {}  # root: (text, row) of its smallest tied copy read so far (parts in order)
    for here, texts in take_rows(rows.files, "text", np.sort(order[tied & differ[head]])):
        for root, row, text in zip(
            group[here].tolist(), here.tolist(), texts.to_pylist(), strict=True
        ):
            if root not in smallest or (text, row) < smallest[root]:
                smallest[root] = (text, row)
    by_root[list(smallest)] = [row for _, row in smallest.values()]
    return by_root[group]


def matched(rows: Rows, best: np.ndarray, keys: Keys, chunk: int = 20_000) -> np.ndarray:
    """How each row matched its canonical row, as its code in `KINDS` (0, exact, unless
    joined). A copy whose key differs from its canonical copy's was joined to it, so both
    keys were copied to `keys`, unless the registry put them together: those are copied now."""
    code = {kind: i for i, kind in enumerate(KINDS)}
    match = np.zeros(len(best), dtype=np.int8)
    moved = np.flatnonzero(rows.key != rows.key[best])
    keys.copy(distinct(np.r_[rows.key[moved], rows.key[best[moved]]]))
    for part in np.split(moved, range(chunk, len(moved), chunk)):
        needed, local = np.unique(np.r_[rows.key[part], rows.key[best[part]]], return_inverse=True)
        texts = keys(needed)
        pairs = zip(local[: len(part)].tolist(), local[len(part) :].tolist(), strict=True)
        match[part] = [code[match_kind(texts[a], texts[b])] for a, b in pairs]
    return match


def _span_keys(files: list[Path], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Every row's span key (`KEY`), read from the parts a batch at a time, in part order."""
    for path in files:
        yield from pq.ParquetFile(path).iter_batches(batch_rows, columns=list(KEY))


def run(
    normalized: Path,
    out: Path,
    metrics: Path,
    params: DedupParams,
    lengths: tuple[int, int],
    processes: int = 1,
    id_registry: Path | None = None,
) -> dict:
    """Link every normalized occurrence to its abstract in out/links.parquet, keeping the
    ids of the registry at `id_registry` (none if None or no such file); candidate pairs
    are verified in `processes` processes (0: one per core)."""
    files = parts.paths(normalized, parts.OCCURRENCES)
    minhash.load()  # before the workers fork, which verify pairs with it
    with (
        mapper(workers(processes, os.cpu_count() or 1)) as pmap,  # workers forked while small
        tempfile.TemporaryDirectory(dir=out.parent) as scratch,
    ):
        rows = Rows.load(files, params.bands, Path(scratch))
        keys = Keys(rows, Path(scratch) / "keys.bin")
        verdicts = Verdicts(out.with_name(f"{out.name}.pairs.npz"), params)
        wanted = distinct(rows.raw_hashes)
        known = registry.read(id_registry, wanted) if id_registry else registry.EMPTY
        code, named = registered_codes(rows, known)
        roots, joined = groups(rows, keys, params, pmap, verdicts, code)
        group, best, abstract_ids = identify(rows, roots, joined, code, named)
        match = matched(rows, best, keys)
    n = len(rows.key)
    is_canonical = best == np.arange(n)
    heads = np.flatnonzero(is_canonical)
    sources = np.repeat(np.arange(len(files)), np.diff(rows.offsets))
    found_in = np.unique(group * len(files) + sources) // max(len(files), 1)  # once a source
    derived = {
        "n_occurrences": np.bincount(group, minlength=n)[group],
        "n_sources": np.bincount(found_in, minlength=n)[group],
        **dict(
            zip(
                ("is_too_short", "is_too_long"),
                length_flags(rows.values["n_words"], *lengths),
                strict=True,
            )
        ),
        "is_legacy_decoded": rows.values["is_legacy_decoded"],
    }
    derived = {name: values[best] for name, values in derived.items()}
    matches = dict(zip(KINDS, np.bincount(match, minlength=len(KINDS)).tolist(), strict=True))
    with atomic_dir(out) as tmp, ValidatedWriter(tmp / parts.LINKS, Links) as links:
        start = 0
        for batch in _span_keys(files, links.batch_rows):
            span = slice(start, start + batch.num_rows)
            start = span.stop
            columns = {
                **{name: batch.column(name) for name in KEY},
                "abstract_id": abstract_ids[span],
                "match": KINDS[match[span]],
                "is_canonical": is_canonical[span],
                **{name: values[span] for name, values in derived.items()},
            }
            links.write(pa.Table.from_pydict(columns, schema=arrow_schema(Links)))
    flags = {**{name: rows.values[name] for name in TEXT_FLAGS}, **derived}
    sizes, counts = np.unique(derived["n_occurrences"][heads], return_counts=True)
    group_sizes = dict(zip(sizes.tolist(), counts.tolist(), strict=True))
    summary = {
        "abstracts": len(heads),
        "occurrences": n,
        "groups_with_duplicates": sum(n for size, n in group_sizes.items() if size > 1),
        "largest_group": max(group_sizes, default=0),
        "group_sizes": {str(size): n for size, n in sorted(group_sizes.items())},
        "matches": dict(sorted(matches.items())),
        "flags": {flag: int(flags[flag][heads].sum()) for flag in FLAGS},
    }
    write_json(metrics, summary)
    return summary
