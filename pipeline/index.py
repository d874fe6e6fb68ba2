"""Dedup's index, kept between runs so that a run costs what changed.

It holds every distinct key (digest order) with its head, its group's root and a row
holding it; every occurrence (part order) with what grouping and ranking need and what
dedup decided for it; each LSH band's hashes in (hash, key) order, so that a new key's
neighbours in a band are found by a binary search; and the texts of every key ever
compared (`keys.bin`). It holds for one stamp (params, code, registry) and the parts it
lists, in order: another stamp, a part removed or changed, a file missing, cut short or
with another CRC-32 than the one recorded when it was written (the meta too), and the
stage starts from an empty index, a full build, never trusting a damaged one.
"""

import contextlib
import json
import mmap
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.arrays import among
from pipeline.io import replacing, take_rows

META = "meta.json"
TEXT_ARRAYS = ("digest", "start", "end")


@dataclass
class Index:
    """The index in memory: `keys` and `rows` hold arrays by name; band b's sorted hashes
    and keys are in `folder`, read one band at a time."""

    folder: Path
    stamp: str
    parts: list[dict] = field(default_factory=list)  # {"part", "rows"}, in part order
    keys: dict[str, np.ndarray] = field(default_factory=dict)
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    # The registered ids held by some row, sorted: an abstract cannot take one of them.
    named: np.ndarray = field(default_factory=lambda: np.empty(0, "S16"))
    texts: int = 0  # how many entries of keys.bin are whole (a failed run may add more)
    text_crc: int = 0  # the CRC-32 of their bytes

    @property
    def size(self) -> int:
        return len(self.keys.get("digest", ()))


def read_band(folder: Path, b: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Band `b`'s hashes, sorted, and the key of each (ties in key order), of an index of
    `size` keys in `folder`."""
    if not size:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    return np.load(folder / f"band-{b}.hash.npy"), np.load(folder / f"band-{b}.key.npy")


def load(folder: Path, stamp: str, names: list[str], bands: int) -> Index:
    """The index in `folder` if it was made with `stamp` from some of the parts `names`
    (every part it lists still there, in the same order) and every file of it is whole,
    else an empty one."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.pop("meta_crc") != _meta_crc(meta):
            return Index(folder, stamp)
        listed = [p["part"] for p in meta["parts"]]
        if meta["stamp"] != stamp or not _in_order(listed, names):
            return Index(folder, stamp)
        crc, arrays = meta["crc"], {}
        band_files = [f"band-{b}.{kind}.npy" for b in range(bands) for kind in ("hash", "key")]
        kept = {f"key.{name}.npy" for name in meta["keys"]} | {"named.npy"}
        kept |= {f"row.{name}.npy" for name in meta["rows"]}
        for name in {*crc, *(band_files if meta["size"] else [])}:
            # Read whole what is kept; the rest (bands, the texts' entries) is checked through
            # a map, one file at a time: memory never holds every file of the index at once.
            values = np.load(folder / name, mmap_mode=None if name in kept else "r")
            if _crc(values) != crc[name]:
                return Index(folder, stamp)
            if name in kept:
                arrays[name] = values
        keys = {name: arrays[f"key.{name}.npy"] for name in meta["keys"]}
        rows = {name: arrays[f"row.{name}.npy"] for name in meta["rows"]}
        if {len(a) for a in keys.values()} != {meta["size"]} and meta["size"]:
            return Index(folder, stamp)
        if {len(a) for a in rows.values()} - {sum(p["rows"] for p in meta["parts"])}:
            return Index(folder, stamp)
        if _file_crc(folder / "keys.bin", meta["text_bytes"]) != meta["text_crc"]:
            return Index(folder, stamp)
        named = arrays["named.npy"]
    except (OSError, ValueError, EOFError, KeyError, TypeError):  # what np.load raises
        return Index(folder, stamp)
    texts = meta["texts"], meta["text_crc"]
    return Index(folder, stamp, meta["parts"], keys, rows, named, *texts)


def _crc(values: np.ndarray) -> int:
    """The CRC-32 of an array's bytes."""
    return zlib.crc32(np.ascontiguousarray(values).view(np.uint8))


def _file_crc(path: Path, size: int, block: int = 1 << 24) -> int:
    """The CRC-32 of the first `size` bytes of the file at `path` (-1 if it is shorter)."""
    crc = 0
    with path.open("rb") as file:
        while size > 0:
            data = file.read(min(block, size))
            if not data:
                return -1
            crc, size = zlib.crc32(data, crc), size - len(data)
    return crc


def write(path: Path, values: np.ndarray) -> int:
    """Save `values` at `path` (.npy), whole or not at all (a band task may run twice at
    once); return their CRC-32, which `load` checks."""
    with replacing(path) as tmp, tmp.open("wb") as file:
        np.save(file, values)
    return _crc(values)


def _in_order(listed: list[str], names: list[str]) -> bool:
    """Every name of `listed` is in `names`, in the same order."""
    at = {name: i for i, name in enumerate(names)}
    positions = [at.get(name, -1) for name in listed]
    return -1 not in positions and positions == sorted(positions)


def save(index: Index, folder: Path, text_bytes: int, crc: dict[str, int]) -> None:
    """Write the index's arrays to `folder`, where its band and text files are already
    (their CRC-32s in `crc`), and last its meta."""
    crc = dict(crc)
    for kind, arrays in (("key", index.keys), ("row", index.rows)):
        for name, values in arrays.items():
            crc[f"{kind}.{name}.npy"] = write(folder / f"{kind}.{name}.npy", values)
    crc["named.npy"] = write(folder / "named.npy", index.named)
    meta = {
        "stamp": index.stamp,
        "parts": index.parts,
        "size": index.size,
        "keys": list(index.keys),
        "rows": list(index.rows),
        "texts": index.texts,
        "text_bytes": text_bytes,
        "text_crc": index.text_crc,
        "crc": dict(sorted(crc.items())),
    }
    meta["meta_crc"] = _meta_crc(meta)
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def _meta_crc(meta: dict) -> int:
    """The CRC-32 of the meta's content: an edited meta is not trusted either."""
    return zlib.crc32(json.dumps(meta, sort_keys=True).encode())


def merge_band(
    old: tuple[np.ndarray, np.ndarray], renumber: np.ndarray, hashes: np.ndarray, new: np.ndarray
):
    """Band `old` (hashes sorted, keys in key order within a hash) with its keys renumbered
    (`renumber[key]`) and the `new` keys' `hashes` inserted (`new` ascending); and the old
    keys now next to a new one with the same hash (their chain in the band changed)."""
    h, k = old[0], renumber[old[1]]
    order = np.argsort(hashes, kind="stable")  # the new keys come in key order
    hashes, new = hashes[order], new[order]
    if not len(h):  # a full build: nothing to merge with
        return (hashes, new), np.empty(0, np.int64)
    pos = np.searchsorted(h, hashes, "left")
    while True:  # past the keys before it in its bucket: buckets are small
        at = pos.clip(max=len(h) - 1)
        later = (pos < len(h)) & (h[at] == hashes) & (k[at] < new)
        if not later.any():
            break
        pos[later] += 1
    h, k = np.insert(h, pos, hashes), np.insert(k, pos, new)
    placed = pos + np.arange(len(pos))
    before, after = (placed - 1).clip(0), (placed + 1).clip(max=len(h) - 1)
    touched = np.r_[
        k[before][(placed > 0) & (h[before] == hashes)],
        k[after][(placed + 1 < len(h)) & (h[after] == hashes)],
    ]
    return (h, k), touched


def band_codes(band: tuple[np.ndarray, np.ndarray], local: np.ndarray, n: int) -> np.ndarray:
    """The chain pairs of a band (`dedup.band_pairs`: neighbours with the same hash) whose
    keys are both among those `local` numbers (-1: not among them), as codes `i * n + j`."""
    h, k = band
    same = np.flatnonzero(h[1:] == h[:-1])
    a, b = local[k[same]], local[k[same + 1]]
    keep = (a >= 0) & (b >= 0)
    return a[keep] * n + b[keep]


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
        self.size, self.crc = int(self.ends.max(initial=0)), old.text_crc
        with self.path.open("ab") as file:
            file.truncate(self.size)

    def save(self, folder: Path) -> tuple[int, dict[str, int]]:
        """Write the entries' arrays to `folder`; return how many there are, and the
        arrays' CRC-32s by file."""
        arrays = dict(zip(TEXT_ARRAYS, (self.digests, self.starts, self.ends), strict=True))
        crc = {f"text.{n}.npy": write(folder / f"text.{n}.npy", a) for n, a in arrays.items()}
        return len(self.digests), crc

    def copy(self, digests: np.ndarray, rows: np.ndarray, files: list[Path], sizes) -> None:
        """Copy the texts of the keys of `digests` not copied yet, each read from the
        `files` (as one table; `sizes` rows each) at its row in `rows`."""
        new = ~among(digests, self.digests)
        digests, rows = digests[new], rows[new]
        digests, first = np.unique(digests, return_index=True)
        order = np.argsort(rows[first])
        digests, rows = digests[order], rows[first][order]
        lengths = [np.empty(0, np.int64)]
        with self.path.open("ab") as file:
            for _, values in take_rows(files, "key", rows, sizes):
                ends = np.frombuffer(values.buffers()[1], np.int32)
                ends = ends[values.offset : values.offset + len(values) + 1]
                data = values.buffers()[2][ends[0] : ends[-1]]
                file.write(data)
                self.crc = zlib.crc32(data, self.crc)
                lengths.append(np.diff(ends))
        lengths = np.concatenate(lengths)
        ends = self.size + np.cumsum(lengths)
        self.size += int(lengths.sum())
        merged = np.r_[self.digests, digests]
        order = np.argsort(merged, kind="stable")
        self.digests = merged[order]
        self.starts = np.r_[self.starts, ends - lengths][order]
        self.ends = np.r_[self.ends, ends][order]

    def __call__(self, digests: np.ndarray) -> list[str]:
        """The texts of the keys of `digests` (all copied before), in that order."""
        if not self.size:  # no key copied, or only empty ones: no map
            return [""] * len(digests)
        at = np.searchsorted(self.digests, digests)
        spans = zip(self.starts[at].tolist(), self.ends[at].tolist(), strict=True)
        with self.path.open("rb") as file, mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ) as m:
            return [m[start:end].decode() for start, end in spans]


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
    `bands` files."""
    got, sizes = {name: [] for name in (*names, "is_legacy_decoded")}, []
    for path in files:
        table = pq.read_table(path, columns=[*names, "encoding", "lsh"])
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
