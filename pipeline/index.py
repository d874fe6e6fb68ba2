"""Dedup's index, kept between runs so that a run costs what changed.

It holds every distinct key, numbered as they arrived (a run's new keys after the old
ones, in digest order), with its head, its group's root, a row holding it and, in
`order`, the keys in digest order; every occurrence (part order) with what grouping and
ranking need, a file a part written once (`ROWS`: "added"), and what dedup decided for
it, a file a part linked into the next index while its rows' decisions stay the same
("decided"); each LSH band's hashes in chain order (by hash, then by key digest), so that
a new key's neighbours in a band are found by a binary search, in two runs: a base, left
as it is (linked into the next index), and a delta that takes the new keys until it
outgrows a share of the base and is merged into it; and the texts of every key ever
compared (`keys.bin`, appended to). It holds for one stamp (params, code, registry) and
the parts it lists, in order: another stamp, a part removed or changed, a file missing,
cut short or with another checksum (XXH3) than the one recorded when it was written (the
meta too), and the stage starts from an empty index, a full build, never trusting a
damaged one.
"""

import contextlib
import json
import mmap
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from pipeline.core import blake2b, dedup, radix, utf8
from pipeline.core.arrays import among, distinct
from pipeline.errors import UserError
from pipeline.io import replacing, take_rows
from pipeline.parallel import threaded

META = "meta.json"
TEXT_ARRAYS = ("digest", "start", "end")
# A band's runs: the base, and the delta that new keys go to.
RUNS = ("base", "delta")
KINDS = ("hash", "key")
# The delta is merged into the base once it holds more than this share of the base's
# entries: a run that adds a dump then writes about that share of the band, not all of it.
MERGE_SHARE = 1 / 8
# A part's rows are two files: the columns it was added with, the same while the part is
# listed, and those each run decides, written again when one of its rows is decided
# otherwise (a copy that joins an old abstract changes the counts of its every row).
ROWS = ("added", "decided")


@dataclass
class Index:
    """The index in memory: `keys` and `rows` hold arrays by name (a loaded index holds its
    rows in `blocks` instead: each part's columns); band b's runs are in `folder`, read
    one band at a time; `sums` holds each file's checksum."""

    folder: Path
    stamp: str
    parts: list[dict] = field(default_factory=list)  # {"part", "rows"}, in part order
    keys: dict[str, np.ndarray] = field(default_factory=dict)
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    # The registered ids held by some row, sorted: an abstract cannot take one of them.
    named: np.ndarray = field(default_factory=lambda: np.empty(0, "S16"))
    texts: int = 0  # how many entries of keys.bin are whole (a failed run may add more)
    sums: dict[str, int] = field(default_factory=dict)
    blocks: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.keys.get("digest", ()))


def band_file(b: int, run: str, kind: str) -> str:
    """The file of band `b`'s `run` (`RUNS`) holding its hashes or keys (`kind`)."""
    return f"band-{b}.{run}.{kind}.npy"


def read_band(folder: Path | None, b: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Band `b`'s runs, each its hashes in chain order and the key of each, of the index in
    `folder` (None: an empty one)."""
    if folder is None:
        return [_empty() for _ in RUNS]
    files = [[folder / band_file(b, run, kind) for kind in KINDS] for run in RUNS]
    return [tuple(np.load(path, mmap_mode="r") for path in run) for run in files]


def stamp_of(folder: Path) -> str | None:
    """The stamp the index in `folder` was made with (None: none there, or unreadable),
    without checking the rest of it."""
    try:
        return json.loads((folder / META).read_text(encoding="utf-8"))["stamp"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(folder: Path, stamp: str, names: list[str], bands: int) -> Index:
    """The index in `folder` if it was made with `stamp` from some of the parts `names`
    (every part it lists still there, in the same order) and every file of it is whole,
    else an empty one. Files are read and checked in threads."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.pop("meta_sum") != _meta_sum(meta):
            return Index(folder, stamp)
        listed = [p["part"] for p in meta["parts"]]
        if meta["stamp"] != stamp or not _in_order(listed, names):
            return Index(folder, stamp)
        sums, arrays = meta["sums"], {}
        band_files = [band_file(b, run, k) for b in range(bands) for run in RUNS for k in KINDS]
        kept = {f"key.{name}.npy" for name in meta["keys"]} | {"named.npy"}
        row_files = {row_file(p["part"], kind) for p in meta["parts"] for kind in ROWS}

        def checked(name: str) -> tuple[str, np.ndarray, bool]:
            # Read whole what is kept; the rest (bands, the texts' entries) is checked through
            # a map, a few files at a time: memory never holds every file of the index.
            values = np.load(folder / name, mmap_mode=None if name in kept else "r")
            return name, values, _sum(values) == sums[name]

        files = sorted({*sums, *(band_files if meta["size"] else [])} - row_files)
        for name, values, whole in threaded(checked, files):
            if not whole:
                return Index(folder, stamp)
            if name in kept:
                arrays[name] = values
        keys = {name: arrays[f"key.{name}.npy"] for name in meta["keys"]}
        if {len(a) for a in keys.values()} != {meta["size"]} and meta["size"]:
            return Index(folder, stamp)
        blocks = _read_blocks(folder, meta, sums)
        if file_sum(folder / "keys.bin", meta["text_bytes"]) != meta["text_sum"]:
            return Index(folder, stamp)
        named = arrays["named.npy"]
    except (OSError, ValueError, EOFError, KeyError, TypeError):  # what np.load raises
        return Index(folder, stamp)
    return Index(folder, stamp, meta["parts"], keys, {}, named, meta["texts"], sums, blocks)


def row_file(part: str, kind: str) -> str:
    """The file of a part's rows of one kind (`ROWS`): each column's bytes after the
    other's (the columns' names and dtypes in the meta)."""
    return f"row.{part}.{kind}.bin"


def _read_blocks(folder: Path, meta: dict, sums: dict[str, int]) -> dict[str, dict]:
    """Each part's rows, as columns, each file checked (ValueError if one is not as
    recorded), read in threads."""
    kinds = {kind: [(n, np.dtype(dtype)) for n, dtype in meta["row_dtypes"][kind]] for kind in ROWS}
    widths = {kind: sum(dtype.itemsize for _, dtype in dtypes) for kind, dtypes in kinds.items()}

    def block(entry: dict) -> tuple[str, dict[str, np.ndarray]]:
        columns = {}
        for kind, dtypes in kinds.items():
            name = row_file(entry["part"], kind)
            data = np.fromfile(folder / name, np.uint8)
            if len(data) != entry["rows"] * widths[kind] or _sum(data) != sums[name]:
                raise ValueError(f"{name} is not as recorded")
            ends = np.cumsum([0, *(entry["rows"] * dtype.itemsize for _, dtype in dtypes)])
            for (column, dtype), start, end in zip(dtypes, ends[:-1], ends[1:], strict=True):
                columns[column] = data[start:end].view(dtype)
        return entry["part"], columns

    return dict(threaded(block, meta["parts"]))


def carry(old: Path, folder: Path, name: str, sums: dict[str, int]) -> int:
    """Link the file `name` of the index in `old` into `folder`, as it was; return its
    checksum (`sums`, the old index's)."""
    os.link(old / name, folder / name)
    return sums[name]


def _sum(values: np.ndarray) -> int:
    """The checksum (XXH3, 64 bits) of an array's bytes."""
    return xxhash.xxh3_64_intdigest(np.ascontiguousarray(values).view(np.uint8))


def file_sum(path: Path, size: int) -> int:
    """The checksum of the first `size` bytes of the file at `path` (-1 if it is shorter)."""
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size < size:
            return -1
        if not size:
            return xxhash.xxh3_64_intdigest(b"")
        with mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ) as data:
            return xxhash.xxh3_64_intdigest(memoryview(data)[:size])


def write(path: Path, values: np.ndarray) -> int:
    """Save `values` at `path` (.npy), whole or not at all (a band task may run twice at
    once); return their checksum, which `load` checks."""
    with replacing(path) as tmp, tmp.open("wb") as file:
        np.save(file, values)
    return _sum(values)


def _in_order(listed: list[str], names: list[str]) -> bool:
    """Every name of `listed` is in `names`, in the same order."""
    at = {name: i for i, name in enumerate(names)}
    positions = [at.get(name, -1) for name in listed]
    return -1 not in positions and positions == sorted(positions)


def save(
    index: Index,
    folder: Path,
    text_bytes: int,
    same: Callable[[str, str], int | None],
    decided: tuple[str, ...],
) -> None:
    """Write the index's arrays to `folder`, where its band and text files are already
    (their checksums in `index.sums`), and last its meta. A part's rows of each kind
    (`ROWS`: the `decided` columns of `index.rows`, and the others) are written, unless
    `same(part, kind)` links them as they were and gives their checksum."""
    sums = dict(index.sums)
    for name, values in index.keys.items():
        sums[f"key.{name}.npy"] = write(folder / f"key.{name}.npy", values)
    sums["named.npy"] = write(folder / "named.npy", index.named)
    columns = {  # by kind (`ROWS`)
        "added": tuple(column for column in index.rows if column not in decided),
        "decided": tuple(column for column in index.rows if column in decided),
    }
    start = 0
    for entry in index.parts:
        stop = start + entry["rows"]
        for kind, names in columns.items():
            name = row_file(entry["part"], kind)
            sums[name] = same(entry["part"], kind)
            if sums[name] is None:
                data = b"".join(index.rows[column][start:stop].tobytes() for column in names)
                with replacing(folder / name) as tmp:
                    tmp.write_bytes(data)
                sums[name] = xxhash.xxh3_64_intdigest(data)
        start = stop
    meta = {
        "stamp": index.stamp,
        "parts": index.parts,
        "size": index.size,
        "keys": list(index.keys),
        "row_dtypes": {
            kind: [[name, index.rows[name].dtype.str] for name in names]
            for kind, names in columns.items()
        },
        "texts": index.texts,
        "text_bytes": text_bytes,
        "text_sum": file_sum(folder / "keys.bin", text_bytes),
        "sums": dict(sorted(sums.items())),
    }
    meta["meta_sum"] = _meta_sum(meta)
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def _meta_sum(meta: dict) -> int:
    """The checksum of the meta's content: an edited meta is not trusted either."""
    return xxhash.xxh3_64_intdigest(json.dumps(meta, sort_keys=True).encode())


def merge_band(runs: list, rank: np.ndarray, hashes: np.ndarray, new: np.ndarray):
    """A band's runs (`read_band`) with the `new` keys' `hashes` added to its delta, merged
    into its base if it then outgrows it (`MERGE_SHARE`); and the old keys now next to a
    new one in the band's chain (their neighbours changed). Keys are ordered in a chain by
    their `rank` (their digests' order); the new ones are numbered after the old ones, in
    digest order."""
    base, delta = runs
    order = radix.argsort(hashes)  # by hash, then by digest
    added = (hashes[order], new[order])
    delta = _insert(delta, added, rank)
    first_new = int(new.min(initial=len(rank)))
    touched = np.empty(0, np.int64)
    if first_new:  # some old keys: those next to a new one
        hashed = distinct(added[0])
        a, b = _chain(*_members(base, hashed), *_members(delta, hashed), rank)
        touched = np.r_[b[a >= first_new], a[b >= first_new]]
        touched = touched[touched < first_new]
    if len(delta[0]) > len(base[0]) * MERGE_SHARE:
        return [_insert(base, delta, rank), _empty()], touched
    return [base, delta], touched


def band_codes(runs: list, rank: np.ndarray, local: np.ndarray, n: int) -> np.ndarray:
    """The chain pairs of a band (neighbours with the same hash, its runs merged) whose
    keys are both among those `local` numbers (-1: not among them), as codes `i * n + j`."""
    (h, k), delta = runs
    mixed = distinct(delta[0])  # the hashes whose chains the delta changes
    same = np.flatnonzero(h[1:] == h[:-1])
    same = same[~among(h[same], mixed)]
    a, b = _chain(*_members((h, k), mixed), *delta, rank)
    a, b = local[np.r_[k[same], a]], local[np.r_[k[same + 1], b]]
    keep = (a >= 0) & (b >= 0)
    return a[keep] * n + b[keep]


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, np.uint64), np.empty(0, np.int64)


def _insert(run, added, rank: np.ndarray):
    """A run with the entries `added` (hashes and keys, in chain order) put in place."""
    (h, k), (hashes, keys) = run, added
    if not len(h):
        return hashes, keys
    pos = np.searchsorted(h, hashes, "left")
    while True:  # past the keys before it in its chain: chains are short
        at = pos.clip(max=len(h) - 1)
        later = (pos < len(h)) & (h[at] == hashes) & (rank[k[at]] < rank[keys])
        if not later.any():
            break
        pos[later] += 1
    return np.insert(h, pos, hashes), np.insert(k, pos, keys)


def _members(run, hashes: np.ndarray):
    """The entries of a run whose hash is among `hashes` (sorted, distinct)."""
    h, k = run
    lo, hi = np.searchsorted(h, hashes, "left"), np.searchsorted(h, hashes, "right")
    counts = hi - lo
    at = np.repeat(lo - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
    return h[at], k[at]


def _chain(h1, k1, h2, k2, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chain pairs (each key and the next of the same hash) of two runs' entries
    merged."""
    h, k = np.r_[h1, h2], np.r_[k1, k2]
    order = np.lexsort((rank[k], h))
    h, k = h[order], k[order]
    same = np.flatnonzero(h[1:] == h[:-1])
    return k[same], k[same + 1]


class Texts:
    """The texts of distinct keys, copied once from the parts to `keys.bin` (kept between
    runs) and read back a few at a time through a memory map: memory never holds them all.
    Entries are known by their key's digest."""

    def __init__(self, folder: Path, old: Index):
        """The store in `folder`, holding the entries of the index `old` (its keys.bin
        linked, what a failed run appended cut off), or none."""
        self.path = folder / "keys.bin"
        self.digests = np.empty(0, "V16")
        self.starts, self.ends = np.empty(0, np.int64), np.empty(0, np.int64)
        if old.texts:
            os.link(old.folder / "keys.bin", self.path)
            arrays = [np.load(old.folder / f"text.{name}.npy") for name in TEXT_ARRAYS]
            self.digests, self.starts, self.ends = (values[: old.texts] for values in arrays)
        self.size = int(self.ends.max(initial=0))
        with self.path.open("ab") as file:
            file.truncate(self.size)

    def save(self, folder: Path) -> tuple[int, dict[str, int]]:
        """Write the entries' arrays to `folder`; return how many there are, and the
        arrays' checksums by file."""
        arrays = dict(zip(TEXT_ARRAYS, (self.digests, self.starts, self.ends), strict=True))
        return len(self.digests), {
            f"text.{n}.npy": write(folder / f"text.{n}.npy", a) for n, a in arrays.items()
        }

    def copy(self, digests: np.ndarray, rows: np.ndarray, files: list[Path], sizes) -> None:
        """Copy the texts of the keys of `digests` not copied yet, each made from the `text`
        of the `files` (as one table; `sizes` rows each) at its row in `rows`: the keys
        made and hashed in threads (`_made`), written here."""
        new = ~among(digests, self.digests)
        digests, rows = digests[new], rows[new]
        digests, first, _ = radix.unique_digests(digests)
        order = np.argsort(rows[first])
        digests, rows = digests[order], rows[first][order]
        lengths, made = [np.empty(0, np.int64)], []
        with self.path.open("ab") as file:
            texts = (texts for _, texts in take_rows(files, "text", rows, sizes))
            for values, hashed in threaded(_made, texts):
                data, ends = utf8.buffers(values)
                file.write(data[ends[0] : ends[-1]])
                lengths.append(np.diff(ends))
                made.append(hashed)
        if made and (np.concatenate(made).view("V16").ravel() != digests).any():
            raise UserError(
                f"{files[0].parent.parent}: a key made again from its text is not the one "
                "normalize hashed (the parts were made by other code or another Python): "
                "run the parse stage again (`dvc repro --force parse`)"
            )
        lengths = np.concatenate(lengths)
        ends = self.size + np.cumsum(lengths)
        self.size += int(lengths.sum())
        merged = np.r_[self.digests, digests]
        order = np.argsort(merged, kind="stable")
        self.digests = merged[order]
        self.starts = np.r_[self.starts, ends - lengths][order]
        self.ends = np.r_[self.ends, ends][order]

    def __call__(self, digests: np.ndarray) -> pa.Array:
        """The texts of the keys of `digests` (all copied before), in that order, as a
        string array: their bytes joined, none decoded."""
        at = np.searchsorted(self.digests, digests)
        if not self.size or not len(at):  # no key copied, or only empty ones: no map
            return pa.array(np.full(len(at), ""), pa.large_string())
        wanted, inverse = np.unique(at, return_inverse=True)
        starts, ends = self.starts[wanted], self.ends[wanted]
        order = np.lexsort((ends, starts))  # the entries' spans in the file do not overlap
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        # Each text and the gap after it as strings over the mapped file; Arrow's take
        # copies out the texts (even positions), in the order asked.
        bounds = np.column_stack([starts[order], ends[order]]).ravel()
        with self.path.open("rb") as file, mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ) as m:
            spans = pa.LargeStringArray.from_buffers(
                len(bounds) - 1, pa.py_buffer(bounds), pa.py_buffer(m)
            )
            texts = spans.take(pa.array(2 * rank[inverse.ravel()]))
            del spans  # its view of the map, which closes
        return texts


def _made(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The dedup keys of `texts` and their digests (`dedup.digest`'s), both compiled and
    run without the interpreter, so that threads share them."""
    values = dedup.keys(texts)
    return values, blake2b.digests(values, dedup.DIGEST_SIZE)


@contextlib.contextmanager
def bands_out(folder: Path, bands: int) -> Iterator[list]:
    """Files that collect each LSH band's hashes of the rows read, one per band."""
    paths = [folder / f"scratch-band-{b}.u64" for b in range(bands)]
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(path.open("wb")) for path in paths]


def ids(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A column of 16-character ids as `S16`."""
    return _array(column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column]))


def read_rows(files: list[Path], names: tuple[str, ...], bands: list):
    """The columns `names` of the parts `files` as arrays (digests as `V16`, ids as `S16`),
    and `is_legacy_decoded`; and each part's rows. Each row's LSH bands are written to the
    `bands` files. Parts are read in threads."""
    got, sizes = {name: [] for name in (*names, "is_legacy_decoded")}, []
    for table in threaded(partial(pq.read_table, columns=[*names, "encoding", "lsh"]), files):
        lsh = pc.list_flatten(table.column("lsh")).to_numpy().reshape(-1, len(bands))
        for out, band in zip(bands, lsh.T, strict=True):
            out.write(band.tobytes())
        for name in names:
            got[name].append(_array(table.column(name)))
        got["is_legacy_decoded"].append(pc.equal(table.column("encoding"), "cp1252").to_numpy())
        sizes.append(table.num_rows)
    return {name: np.concatenate(values) for name, values in got.items() if values}, sizes


def strings(fixed: np.ndarray) -> pa.Array:
    """Fixed-width bytes (`S16` ids) as an Arrow string array, sharing their buffer."""
    width = fixed.dtype.itemsize
    offsets = np.arange(0, width * len(fixed) + 1, width, dtype=np.int32)
    data = np.ascontiguousarray(fixed)
    return pa.Array.from_buffers(
        pa.string(), len(fixed), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _array(column: pa.ChunkedArray) -> np.ndarray:
    """A column as numpy, copied: digests as `V16`, ids (16 characters each) as `S16`."""
    chunk = column.combine_chunks()
    if pa.types.is_fixed_size_binary(chunk.type):
        data = np.frombuffer(chunk.buffers()[1], f"V{chunk.type.byte_width}")
        return data[chunk.offset : chunk.offset + len(chunk)].copy()
    if pa.types.is_string(chunk.type):
        ends = np.frombuffer(chunk.buffers()[1], np.int32)
        ends = ends[chunk.offset : chunk.offset + len(chunk) + 1]
        if not (np.diff(ends) == 16).all():
            raise ValueError("ids are 16 characters")
        return np.frombuffer(chunk.buffers()[2], "S16", len(chunk), int(ends[0])).copy()
    return chunk.to_numpy(zero_copy_only=False)
