"""The dedup stage: which abstract each normalized occurrence is a copy of.

It decides and does not copy: out/links/<part>.parquet holds, for every occurrence of a
normalized part, its span key (`source`, `byte_start`: publish checks it), its abstract's
id, how it matched, whether it is the canonical copy, and the abstract's derived columns;
and out/links.json each part's digests (`pipeline.links`), so that publish reads the links
of the parts that changed only. Publish joins the links to the normalized parts. A part
whose rows were all decided as before keeps its file (linked, not written).

A run costs what changed. The index of the last run (`pipeline.index`, in <out>.index/)
keeps the keys, the LSH bands in order, the groups and every row's decisions (a file a
part, linked into the next index while its rows' decisions stay the same); the rows of
new parts are added, their new keys inserted in the bands, and only the groups they touch
are grouped, ranked and identified again: those holding a key that shares a band with a
new key (its neighbours in the band's chain change), its head, or one of its rows. A
build from an empty index runs the same code with every group touched, which is why an
incremental build equals a clean one. An abstract published before keeps its id: the
registry of published occurrences (`pipeline.core.ids`) says which.
"""

import os
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from pipeline import index, links, parts, registry
from pipeline.core import blake2b, minhash, radix, utf8
from pipeline.core.arrays import among, distinct
from pipeline.core.dedup import DedupParams, candidates, cluster, match_kinds
from pipeline.core.flags import length_flags
from pipeline.core.ids import bridged, owners
from pipeline.io import atomic_dir, replacing, take_rows, write_json
from pipeline.parallel import mapper, threaded, workers
from schemas import FLAGS, MATCH_KINDS, Links, NormalizedOccurrences
from schemas.derive import arrow_schema, validate

# The flags that normalize computed; dedup derives the others (schemas.abstracts.Grouped).
TEXT_FLAGS = tuple(f for f in FLAGS if f in arrow_schema(NormalizedOccurrences).names)
# How a copy matched, by its code in `matched`.
KINDS = tuple(MATCH_KINDS)
MATCHES = pa.array(KINDS, pa.string())  # to take each row's by its code
# What decides which copy of a group is canonical, in order, before the text itself: complete
# over truncated, then fewer defects (`n_defects`: the kinds of `pipeline.core.defects`,
# characters lost and legacy decoding, one each), then longer.
RANK = ("is_truncated", "n_defects", "minus_chars")
# The columns read of each new part.
COLUMNS = ("key_hash", "text_hash", "key_id", *TEXT_FLAGS, "n_words", "n_chars", "key_head")
COLUMNS += ("raw_hash", "defects", "byte_start")
# What dedup decides for each row (the links' columns but the span key), kept in the index.
DECIDED = ("abstract_id", "match", "is_canonical", "n_occurrences", "n_sources")
DECIDED += ("is_too_short", "is_too_long", "group_legacy")
# Rows of a record batch of the links, and of a batch of span keys read.
LINK_ROWS = 50_000
# Links validated at once: memory holds a batch's table, and Pandera's own copy of it.
VALIDATE_ROWS = 1_000_000


@dataclass
class Parts:
    """The normalized parts, read as one table: their `files` and rows."""

    files: list[Path]
    sizes: list[int]


@dataclass
class Rows:
    """What ranking and identifying need of some occurrences: `where` they are among the
    rows of the `parts`, their distinct `key` (numbered among the keys
    looked at), texts' digests, keys' ids and ranking values."""

    parts: Parts
    where: np.ndarray
    key: np.ndarray
    text_digests: np.ndarray
    ids: pa.Array
    values: dict[str, np.ndarray]


class Keys:
    """The texts of the keys looked at (numbered 0.. in digest order, `chosen` among all),
    through the index's text store."""

    def __init__(self, texts: index.Texts, digests: np.ndarray, first: np.ndarray, at: Parts):
        self.texts, self.digests, self.first, self.at = texts, digests, first, at

    def copy(self, wanted: np.ndarray) -> "Keys":
        """Copy the texts of the `wanted` keys not copied yet; return self, which reads them."""
        self.texts.copy(self.digests[wanted], self.first[wanted], self.at.files, self.at.sizes)
        return self

    def __call__(self, wanted: np.ndarray) -> pa.Array:
        return self.texts(self.digests[wanted])


class Verdicts:
    """The verdicts on candidate pairs, by the digests of their two keys, kept beside the
    output: a pair verified once is not verified again. They hold for the same params and
    code only (a verdict depends on nothing else); a full build keeps only its own. A file
    that cannot be read is none."""

    def __init__(self, path: Path, params: DedupParams):
        self.path = path
        kept = (params.shingle_words, params.near_threshold, params.seed, parts.code_digest())
        self.stamp = repr(kept)
        self.pairs, self.near = np.empty(0, "V32"), np.empty(0, np.int8)
        try:
            with np.load(path) as saved:
                if str(saved["stamp"]) == self.stamp:
                    self.pairs, self.near = saved["pairs"], saved["near"]
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
            pass  # none, or unreadable: every pair is verified

    def known(self, pairs: np.ndarray) -> np.ndarray:
        """Each pair's verdict (1 near, 0 not, -1 not verified); `pairs` holds the digests
        of each pair's keys, shape (pairs, 2)."""
        wanted = pairs.view("V32").ravel()
        if not len(self.pairs):
            return np.full(len(wanted), -1, np.int8)
        at = np.searchsorted(self.pairs, wanted).clip(0, len(self.pairs) - 1)
        return np.where(self.pairs[at] == wanted, self.near[at], -1).astype(np.int8)

    def save(self, pairs: np.ndarray, near: np.ndarray, everything: bool) -> None:
        """Keep the verdicts of this run's pairs (only them after a full build) for the next."""
        wanted, seen = pairs.view("V32").ravel(), near >= 0
        wanted, near = wanted[seen], near[seen]
        if not everything and len(self.pairs):
            kept = ~among(self.pairs, np.sort(wanted))
            wanted, near = np.r_[self.pairs[kept], wanted], np.r_[self.near[kept], near]
        order = np.argsort(wanted, kind="stable")
        with replacing(self.path) as tmp, tmp.open("wb") as file:
            np.savez(file, pairs=wanted[order], near=near[order], stamp=self.stamp)


def _stamp(params: DedupParams, lengths: tuple[int, int], id_registry: Path | None) -> str:
    """What the index holds for: the params, the code and the registry's bytes (XXH3: a
    registry grows by 34 bytes an occurrence, and every run reads it)."""
    digest = xxhash.xxh3_128()
    if id_registry and id_registry.exists():
        with id_registry.open("rb") as file:
            for block in iter(lambda: file.read(1 << 24), b""):
                digest.update(block)
    return repr((params, lengths, parts.code_digest(), digest.hexdigest()))


def _fresh_rows(
    files: list[Path], bands: list, id_registry: Path | None, checked: bool
) -> tuple[dict, list]:
    """The rows of new parts (`files`): the columns dedup needs, derived as ranking wants
    them, and each row's registered id (empty: none), looked up in the registry alone if
    it is `checked` (see `registry.read`); and each part's rows."""
    got, sizes = index.read_rows(files, COLUMNS, bands)
    if not sizes:
        return {}, []
    got["minus_chars"] = -got.pop("n_chars")
    kinds = np.bitwise_count(got.pop("defects")).astype(np.int8)
    got["n_defects"] = kinds + got["has_lost_characters"] + got["is_legacy_decoded"]
    wanted = distinct(got["raw_hash"])
    digests, ids = registry.EMPTY
    if id_registry:
        digests, ids = registry.read(id_registry, wanted, checked=checked)
    at = np.searchsorted(digests, got["raw_hash"]).clip(0, max(len(digests) - 1, 0))
    found = digests[at] == got["raw_hash"] if len(digests) else np.zeros(len(at), bool)
    got["registered"] = np.where(found, ids[at] if len(ids) else b"", b"").astype("S16")
    return got, sizes


def _placed(old: list[dict], listed: list[dict], sizes: dict[str, int]):
    """Where the rows of the `old` parts and of the new ones (`sizes` rows each) go among
    the rows of the parts `listed` (in order), and the parts' entries with their rows."""
    before = {p["part"]: p["rows"] for p in old}
    names = [entry["part"] for entry in listed]
    entries = [{**e, "rows": sizes.get(e["part"], before.get(e["part"]))} for e in listed]
    starts = np.cumsum([0] + [e["rows"] for e in entries])
    spans = [np.arange(starts[i], starts[i + 1]) for i in range(len(names))]
    old_at = [spans[i] for i, n in enumerate(names) if n not in sizes]
    new_at = [spans[i] for i, n in enumerate(names) if n in sizes]
    joined = [np.concatenate(s) if s else np.empty(0, np.int64) for s in (old_at, new_at)]
    return entries, joined[0], joined[1], np.repeat(np.arange(len(names)), np.diff(starts))


def _merge_band(task) -> tuple[np.ndarray, dict[str, int]]:
    """Band b of the old index with the new keys' hashes added, in the new index (a run
    left as it was linked there); return the old keys whose chain changed, and the files'
    checksums."""
    b, old_folder, old_size, old_sums, folder = task
    runs = index.read_band(old_folder if old_size else None, b)
    rank, new = np.load(folder / "scratch-rank.npy"), np.load(folder / "scratch-new-keys.npy")
    rows = np.load(folder / "scratch-new-keys-rows.npy")
    hashes = np.fromfile(folder / f"scratch-band-{b}.u64", np.uint64)[rows]
    merged, touched = index.merge_band(runs, rank, hashes, new)
    sums = {}
    for run, before, (h, k) in zip(index.RUNS, runs, merged, strict=True):
        for kind, values in zip(index.KINDS, (h, k.astype(np.int32)), strict=True):
            name = index.band_file(b, run, kind)
            if old_size and before[0] is h:  # the run as it was: linked, not written
                sums[name] = index.carry(old_folder, folder, name, old_sums)
            else:
                sums[name] = index.write(folder / name, values)
    return touched, sums


def _band_codes(task) -> np.ndarray:
    b, folder, n = task
    runs = index.read_band(folder, b)
    rank, local = np.load(folder / "scratch-rank.npy"), np.load(folder / "scratch-local.npy")
    return index.band_codes(runs, rank, local, n)


class Update:
    """One run's update of the index `old` to the parts `listed` (the normalized parts'
    index; their `files`), made in `folder`."""

    def __init__(self, old: index.Index, files, listed, folder: Path, params, id_registry):
        self.folder, self.params = folder, params
        # Not its arrays (see `run`): where its files are, for the band tasks and `save`.
        self.old = (old.folder, old.size, old.sums)
        self.old_parts = {entry["part"]: entry["rows"] for entry in old.parts}
        names = [entry["part"] for entry in listed]
        fresh = [i for i, n in enumerate(names) if n not in self.old_parts]
        with index.bands_out(folder, params.bands) as bands:
            # A kept index was made with this registry's bytes (its stamp), read whole then.
            got, sizes = _fresh_rows([files[i] for i in fresh], bands, id_registry, bool(old.parts))
        entries, old_at, new_at, self.part_of = _placed(
            old.parts, listed, dict(zip((names[i] for i in fresh), sizes, strict=True))
        )
        self.parts = Parts(files, [entry["rows"] for entry in entries])
        self.new_at = new_at
        digests, first, inverse = radix.unique_digests(got.pop("key_hash", np.empty(0, "V16")))
        had = old.keys.get("digest", np.empty(0, "V16"))
        order = old.keys.get("order", np.empty(0, np.int64))
        ordered = had[order]  # the old keys' digests, sorted
        present = among(digests, ordered)
        added = digests[~present]
        new_keys = len(had) + np.arange(len(added))  # numbered after the old ones
        number = np.empty(len(digests), np.int64)  # each digest's key
        number[present] = order[np.searchsorted(ordered, digests[present])]
        number[~present] = new_keys
        order = np.insert(order, np.searchsorted(ordered, added), new_keys)
        keys = {"digest": np.r_[had, added], "order": order}
        keys["root"] = np.r_[old.keys.get("root", np.empty(0, np.int64)), new_keys]
        keys["head"] = _grown(old.keys.get("head"), len(added), np.uint64)
        old_first = old_at[old.keys["first"]] if len(had) else None
        keys["first"] = _grown(old_first, len(added), np.int64)
        if len(digests):  # a new row holds each of these keys
            keys["head"][number] = got["key_head"][first]
            keys["first"][number] = new_at[first]
        got.pop("key_head", None)
        got["key"] = number[inverse]
        rows = _columns(entries, old.blocks, got)
        rows.setdefault("key", np.empty(0, np.int64))  # no part at all
        self.keys, self.rows, self.entries = keys, rows, entries
        self.had_keys = number[present]
        # The registered ids some row holds, sorted: an abstract cannot take one of them.
        # The old rows' are the old index's (a run that keeps its index only adds rows).
        named = distinct(np.r_[old.named, got.get("registered", np.empty(0, "S16"))])
        self.named = named[named != b""].astype("S16")
        # Each key's rank in digest order, by which a chain is ordered.
        self.rank = np.empty(len(order), np.int64)
        self.rank[order] = np.arange(len(order))
        np.save(folder / "scratch-rank.npy", self.rank)
        np.save(folder / "scratch-new-keys.npy", new_keys)
        np.save(folder / "scratch-new-keys-rows.npy", first[np.searchsorted(digests, added)])
        self.new_keys = new_keys

    def unchanged(self, changed: np.ndarray) -> set[str]:
        """The parts of the last run, as many rows, none of which `changed` since."""
        counted = np.r_[0, np.cumsum(changed)][np.cumsum([0, *self.parts.sizes])]
        return {
            entry["part"]
            for entry, before, after in zip(self.entries, counted[:-1], counted[1:], strict=True)
            if before == after and self.old_parts.get(entry["part"]) == entry["rows"]
        }

    def save(self, unchanged: set[str], new: index.Index, text_bytes: int) -> None:
        """Save the `new` index, linking from the old one the rows its parts were added with
        and the decisions of the `unchanged` parts."""
        folder, _, sums = self.old

        def same(part: str, kind: str) -> int | None:
            if part not in (unchanged if kind == "decided" else self.old_parts):
                return None
            return index.carry(folder, new.folder, index.row_file(part, kind), sums)

        index.save(new, new.folder, text_bytes, same, DECIDED)

    def touched(self, pmap) -> np.ndarray:
        """Merge the bands; return the keys whose groups must be made again."""
        tasks = ((b, *self.old, self.folder) for b in range(self.params.bands))
        merged = list(pmap(_merge_band, tasks))
        near = [touched for touched, _ in merged]
        self.sums = {name: value for _, files in merged for name, value in files.items()}
        heads = self.keys["head"]
        new_heads = distinct(heads[self.new_keys])
        new_heads = new_heads[new_heads != 0]
        same_head = np.flatnonzero(among(heads, new_heads))
        near = np.concatenate(near) if near else np.empty(0, np.int64)
        return distinct(np.r_[near, same_head, self.had_keys, self.new_keys])


def _columns(entries: list[dict], blocks: dict[str, dict], got: dict) -> dict:
    """The rows of the parts `entries`, in order, as columns: an old part's from its block
    (`blocks`, each dropped once taken), the new parts' from `got` (their rows one after
    another). A column that the new rows lack is left for `decide` to fill."""
    n = sum(entry["rows"] for entry in entries)
    columns, start, fresh = {}, 0, 0
    for entry in entries:
        stop = start + entry["rows"]
        taken = blocks.pop(entry["part"], None)
        if taken is None:
            taken = {name: values[fresh : fresh + entry["rows"]] for name, values in got.items()}
            fresh += entry["rows"]
        for name, values in taken.items():
            columns.setdefault(name, np.empty(n, values.dtype))[start:stop] = values
        start = stop
    return columns


def _grown(values: np.ndarray | None, more: int, dtype) -> np.ndarray:
    """`values` (none: empty) followed by `more` zeros."""
    return np.r_[np.empty(0, dtype) if values is None else values, np.zeros(more, dtype)]


@dataclass
class Regrouped:
    """What `regroup` made of some keys (`chosen`, numbered 0.. among them) and of their
    rows (`looked`, as `view`)."""

    chosen: np.ndarray
    roots: np.ndarray  # each chosen key's group root, a number among them
    looked: np.ndarray
    view: Rows
    group: np.ndarray  # each row's abstract, a number
    best: np.ndarray  # each row's canonical row, a number among them
    ids: pa.Array  # each row's abstract id
    owner: np.ndarray  # each row's registered id, as a code (-1: none)
    verdicts: tuple[np.ndarray, np.ndarray]  # the candidate pairs' digests and verdicts


def regroup(update: Update, roots_touched: np.ndarray, pmap, verdicts: Verdicts, texts):
    """Group, rank and identify the keys of the groups of `roots_touched` and every new
    key, and their rows."""
    keys, rows, params = update.keys, update.rows, update.params
    chosen = among(keys["root"], roots_touched)
    chosen[update.new_keys] = True
    chosen = np.flatnonzero(chosen)
    chosen = chosen[np.argsort(update.rank[chosen])]  # in digest order, as a clean build's
    local = np.full(len(keys["digest"]), -1, np.int64)
    local[chosen] = np.arange(len(chosen))
    np.save(update.folder / "scratch-local.npy", local)
    tasks = ((b, update.folder, len(chosen)) for b in range(params.bands))
    pairs = candidates(pmap(_band_codes, tasks), len(chosen))
    digests = keys["digest"][chosen][pairs]
    fetch = Keys(texts, keys["digest"][chosen], keys["first"][chosen], update.parts)
    looked = np.flatnonzero(local[rows["key"]] >= 0)
    key = local[rows["key"][looked]]
    code, named = _codes(rows["registered"][looked], update.named)
    complete = partial(bridged, key=key, code=code)
    roots, near, joined = cluster(
        pairs, keys["head"][chosen], fetch.copy, params, pmap, verdicts.known(digests), complete
    )
    view = Rows(
        update.parts,
        looked,
        key,
        rows["text_hash"][looked],
        index.strings(rows["key_id"][looked]),
        {name: rows[name][looked] for name in (*RANK, "n_words", "is_legacy_decoded")},
    )
    group, best, ids, owner = identify(view, roots, joined, code, named)
    return Regrouped(chosen, roots, looked, view, group, best, ids, owner, (digests, near))


def _codes(registered: np.ndarray, named: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Each row's registered id as a code into `named` (sorted; -1: none), and `named` as
    strings."""
    code = np.searchsorted(named, registered).clip(0, max(len(named) - 1, 0))
    hit = (registered != b"") & (named[code] == registered if len(named) else False)
    return np.where(hit, code, -1), index.strings(named)


def identify(rows: Rows, roots: np.ndarray, joined: np.ndarray, code: np.ndarray, named):
    """Each row's abstract (a number), canonical row, abstract id and registered owner (a
    code, -1: none), given the groups' `roots` and `joined` pairs (`cluster`), and each
    row's registered id as a `code` into `named` (`_codes`).

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
    return unit, best, ids, owner


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
    read = np.sort(order[tied & differ[head]])
    for here, texts in take_rows(rows.parts.files, "text", rows.where[read], rows.parts.sizes):
        here = read[np.searchsorted(rows.where[read], here)]
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
    keys were copied to `keys`, unless the registry put them together: those are copied now.
    Rows are compared `chunk` at a time, in threads."""
    code = {kind: i for i, kind in enumerate(KINDS)}
    match = np.zeros(len(best), dtype=np.int8)
    moved = np.flatnonzero(rows.key != rows.key[best])
    keys.copy(distinct(np.r_[rows.key[moved], rows.key[best[moved]]]))

    def kinds(part: np.ndarray) -> list[int]:
        needed, local = np.unique(np.r_[rows.key[part], rows.key[best[part]]], return_inverse=True)
        pairs = np.column_stack([local[: len(part)], local[len(part) :]])
        return [code[kind] for kind in match_kinds(keys(needed), pairs)]

    parts = np.split(moved, range(chunk, len(moved), chunk))
    for part, found in zip(parts, threaded(kinds, parts), strict=True):
        match[part] = found
    return match


def decide(
    update: Update, pmap, verdicts: Verdicts, texts, lengths
) -> tuple[Regrouped, np.ndarray]:
    """Make again the groups that the new parts touch (all of them from an empty index),
    writing their rows' decisions into `update.rows`; return what was made, and which rows
    are new or were decided otherwise before."""
    rows, keys = update.rows, update.keys
    roots = distinct(keys["root"][update.touched(pmap)])
    while True:
        made = regroup(update, roots, pmap, verdicts, texts)
        # A registered id is one abstract's: an abstract whose canonical copy's key_id is
        # registered joins the abstract holding it. So the groups of any row outside that
        # holds, names or had a registered id held here are made again with these.
        held = update.named[distinct(made.owner[made.owner >= 0])]
        inside = np.zeros(len(rows["key"]), bool)
        inside[made.looked] = True
        names = ("registered", "key_id", "abstract_id")
        clash = np.zeros(len(inside), bool)
        for name in (n for n in names if n in rows) if len(held) else ():  # decided before
            clash |= among(rows[name], held) & ~inside
        outside = np.flatnonzero(clash)
        if not len(outside):
            break
        roots = distinct(np.r_[roots, keys["root"][rows["key"][outside]]])
    chosen, group, best, view = made.chosen, made.group, made.best, made.view
    keys["root"][chosen] = chosen[made.roots]
    fetch = Keys(texts, keys["digest"][chosen], keys["first"][chosen], update.parts)
    parts_of = update.part_of[made.looked]
    found_in = distinct(group * len(update.entries) + parts_of) // max(len(update.entries), 1)
    short, long = length_flags(view.values["n_words"], *lengths)
    counts = group.max(initial=-1) + 1
    decided = {
        "abstract_id": index.ids(made.ids),
        "match": matched(view, best, fetch),
        "is_canonical": best == np.arange(len(made.looked)),
        "n_occurrences": np.bincount(group, minlength=counts)[group][best],
        "n_sources": np.bincount(found_in, minlength=counts)[group][best],
        "is_too_short": short[best],
        "is_too_long": long[best],
        "group_legacy": view.values["is_legacy_decoded"][best],
    }
    changed = np.zeros(len(rows["key"]), bool)
    changed[update.new_at] = True
    for name, values in decided.items():
        if name in rows:
            changed[made.looked] |= rows[name][made.looked] != values
        rows.setdefault(name, np.empty(len(rows["key"]), values.dtype))[made.looked] = values
    return made, changed


def load() -> None:
    """Load the compiled functions this process calls: a few pairs verified, keys made
    again and hashed, prefixes and match kinds compared."""
    minhash.load(pairs=True)
    utf8.load(dedup=True)
    blake2b.load()


def run(
    normalized: Path,
    out: Path,
    metrics: Path,
    params: DedupParams,
    lengths: tuple[int, int],
    processes: int = 1,
    id_registry: Path | None = None,
) -> dict:
    """Link every normalized occurrence to its abstract in out/links/, keeping the
    ids of the registry at `id_registry` (none if None or no such file), from the index of
    the last run where it holds; candidate pairs are verified and bands merged in
    `processes` processes (0: one per core)."""
    files = parts.paths(normalized, parts.OCCURRENCES)
    entries = parts.index(normalized)
    names = [entry["part"] for entry in entries]
    home = out.with_name(f"{out.name}.index")
    stamp = _stamp(params, lengths, id_registry)
    if index.stamp_of(home) != stamp:  # a full build: its workers verify many pairs
        minhash.load(pairs=True)  # before they fork, so that they share it
    with (
        # The workers forked while this process is small; it loads what it calls meanwhile.
        mapper(workers(processes, os.cpu_count() or 1), load) as pmap,
        atomic_dir(home) as folder,
    ):
        old = index.load(home, stamp, names, params.bands)
        texts, full = index.Texts(folder, old), not old.parts
        verdicts = Verdicts(out.with_name(f"{out.name}.pairs.npz"), params)
        update = Update(old, files, entries, folder, params, id_registry)
        del old  # its arrays, grown, are the update's: memory holds them once
        made, changed = decide(update, pmap, verdicts, texts, lengths)
        verdicts.save(*made.verdicts, everything=full)
        kept = [] if full else links.read_digests(home)  # the last run's, as its index
        unchanged = update.unchanged(changed)
        write_json(folder / links.DIGESTS, write_links(out, update, changed, unchanged, kept))
        entries, text_sums = texts.save(folder)
        new = index.Index(folder, stamp, update.entries, update.keys, update.rows, update.named)
        new.texts, new.sums = entries, update.sums | text_sums
        for scratch in (*folder.glob("scratch-*"), *folder.glob(".*.tmp-*")):
            scratch.unlink(missing_ok=True)  # and what a lost band task left
        update.save(unchanged, new, texts.size)
    summary = _summary(update.rows, len(update.part_of))
    write_json(metrics, summary)
    return summary


def write_links(
    out: Path, update: Update, changed: np.ndarray, unchanged: set[str], kept: list[dict]
) -> list[dict]:
    """Each part's links file (`links.file`: its rows' decisions and span keys) in `out`,
    and out/links.json, each part's `rows`, digests (`pipeline.links`) and the `sum` of its
    file. An `unchanged` part (`Update.unchanged`: none of its rows `changed`) keeps its
    digests (`kept`: the last run's record of each part), and its file, linked from the last
    output if it is there as recorded; the others are made anew, in threads. The rows that
    changed are validated (the others were, then), VALIDATE_ROWS at a time (a span key is
    unique within its part, which normalize validated, and publish checks each link's
    against its part's). Return what links.json holds."""
    entries, rows = update.entries, update.rows
    schema = arrow_schema(Links)
    sources = pa.array([entry["source"] for entry in entries], pa.string())
    link = partial(_links, rows, schema=schema)
    bounds = np.cumsum([0, *(entry["rows"] for entry in entries)])
    before = {entry["part"]: entry for entry in kept}
    unchanged = unchanged & before.keys()
    with atomic_dir(out) as tmp:
        (tmp / links.FOLDER).mkdir()

        def made(item: tuple[str, int, int, int]) -> dict:
            name, i, start, stop = item  # the part's name, place and rows
            table = link(slice(start, stop), sources=sources.take(np.full(stop - start, i)))
            record = {"part": name, "rows": int(stop - start)}
            record["sum"] = links.write(table, links.file(tmp, name), LINK_ROWS)
            return record | links.digests(name, table)

        recorded, todo = [], {}  # each part's record; the parts to write, by place
        spans = zip(entries, bounds[:-1], bounds[1:], strict=True)
        for i, (entry, start, stop) in enumerate(spans):
            name = entry["part"]
            last, path = links.file(out, name), links.file(tmp, name)
            if name in unchanged and _relinked(last, path, before[name].get("sum")):
                recorded.append(before[name])  # linked here: threads would only cost
            else:
                todo[i] = (name, i, start, stop)
                recorded.append(None)
        for at, written in zip(todo, threaded(made, todo.values()), strict=True):
            recorded[at] = written
        at = np.flatnonzero(changed)
        for start in range(0, len(at), VALIDATE_ROWS):
            rows_at = at[start : start + VALIDATE_ROWS]
            validate(Links, link(rows_at, sources=sources.take(update.part_of[rows_at])))
        write_json(tmp / links.DIGESTS, recorded)
    return recorded


def _relinked(old: Path, new: Path, recorded: int | None) -> bool:
    """Link the file at `old` to `new` if it is there with the checksum `recorded`."""
    try:
        if links.checksum(old) != recorded:
            return False
        os.link(old, new)
    except OSError:  # not there
        return False
    return True


def _links(rows: dict, at: slice | np.ndarray, sources: pa.Array, schema: pa.Schema) -> pa.Table:
    """The links of the rows `at`, whose sources are `sources`."""
    return pa.Table.from_pydict(
        {
            "source": sources,
            "byte_start": rows["byte_start"][at],
            "abstract_id": index.strings(rows["abstract_id"][at]),
            "match": MATCHES.take(rows["match"][at]),
            "is_canonical": rows["is_canonical"][at],
            **{name: rows[name][at] for name in ("n_occurrences", "n_sources")},
            **{name: rows[name][at] for name in ("is_too_short", "is_too_long")},
            "is_legacy_decoded": rows["group_legacy"][at],
        },
        schema=schema,
    )


def _summary(rows: dict, n: int) -> dict:
    """The counts of metrics/dedup.json."""
    if not n:
        rows = {name: np.empty(0, np.int64) for name in (*DECIDED, *TEXT_FLAGS)}
    heads = np.flatnonzero(rows["is_canonical"])
    sizes, counts = np.unique(rows["n_occurrences"][heads], return_counts=True)
    group_sizes = dict(zip(sizes.tolist(), counts.tolist(), strict=True))
    matches = np.bincount(rows["match"].astype(np.int64), minlength=len(KINDS)).tolist()
    flags = {name: rows[name] for name in TEXT_FLAGS}
    flags |= {n: rows[n] for n in ("is_too_short", "is_too_long")}
    flags["is_legacy_decoded"] = rows["group_legacy"]
    return {
        "abstracts": len(heads),
        "occurrences": n,
        "groups_with_duplicates": sum(n for size, n in group_sizes.items() if size > 1),
        "largest_group": max(group_sizes, default=0),
        "group_sizes": {str(size): n for size, n in sorted(group_sizes.items())},
        "matches": dict(sorted(zip(KINDS, matches, strict=True))),
        "flags": {flag: int(flags[flag][heads].sum()) for flag in FLAGS},
    }
