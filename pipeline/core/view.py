"""What segmentation reads of a raw file: decompressed, decoded from UTF-16 or UTF-32 where a
byte-order mark says so, with every line end (LF, CRLF, lone CR) a line feed.

Segmentation, line numbers and the coverage check work on the view's bytes, which are
UTF-8 (or legacy single-byte) text: every structural character is one ASCII byte. A lone
CR becomes LF in place (the same length), so offsets into a plain file are the file's own.
A UTF-16 or UTF-32 file is transcoded to UTF-8, and `raw_offsets` maps offsets back to the
file's. A compressed file (gzip, bz2, xz, zstd) is read as the bytes it holds: its offsets
are into those bytes.
"""

import bz2
import gzip
import lzma
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from pipeline.core.decode import BOM, cut, decode

# Byte-order marks, UTF-32 first: its little-endian mark begins with UTF-16's.
BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# How a compressed file starts, and how it is read.
COMPRESSIONS = {
    "gzip": (b"\x1f\x8b", gzip.decompress),
    "bz2": (b"BZh", bz2.decompress),
    "xz": (b"\xfd7zXZ\x00", lzma.decompress),
    "zstd": (b"\x28\xb5\x2f\xfd", lambda data: _zstd().decompress(data)),
}
_LONE_CR = re.compile(rb"\r(?!\n)")


class Unreadable(ValueError):
    """A compressed file that does not decompress, or a file whose byte-order mark lies."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class View:
    """A raw file as segmentation reads it."""

    raw: bytes  # the file's bytes (decompressed): what offsets point into
    data: bytes  # text with LF line ends: UTF-8 (or legacy bytes), or transcoded to UTF-8
    start: int  # the first byte after a UTF-8 byte-order mark
    encoding: str | None  # what a UTF-16/32 byte-order mark declared, else None (per span)
    compression: str | None  # gzip, bz2, xz, zstd, or None
    units: np.ndarray | None = None  # transcoded: each character's bytes in the file
    widths: np.ndarray | None = None  # transcoded: each character's bytes in `data`
    bom: int = 0  # transcoded: the byte-order mark's length

    def text(self, start: int, end: int) -> tuple[str, str]:
        """The file's bytes from `start` to `end` (its offsets) decoded, exactly as they
        stand, and the encoding used (see `decode`)."""
        if self.encoding:
            return self.raw[start:end].decode(self.encoding), self.encoding
        return decode(self.raw[start:end])

    def texts(self, starts: np.ndarray, ends: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """`text` of each span from `starts` to `ends` (in order, apart), as two string
        arrays: the texts and their encodings. A file's UTF-8 spans are cut from its bytes
        at once."""
        if not self.encoding:
            try:
                texts = cut(self.raw, starts, ends).cast(pa.large_string()).cast(pa.string())
            except pa.ArrowInvalid:  # some span is not UTF-8: each is decoded alone
                pass
            else:
                return texts, pa.array(["utf-8"] * len(starts), pa.string())
        found = [self.text(a, b) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        texts, encodings = zip(*found, strict=True) if found else ((), ())
        return pa.array(texts, pa.string()), pa.array(encodings, pa.string())

    def raw_offsets(self, offsets: np.ndarray) -> np.ndarray:
        """Offsets into `data` (on character boundaries) as offsets into the file (or, if
        compressed, into the bytes it holds)."""
        if self.units is None:
            return offsets
        ends8, ends_raw = np.cumsum(self.widths), np.cumsum(self.units)
        chars = np.searchsorted(ends8, offsets, side="right")  # characters before each
        return np.r_[0, ends_raw][chars] + self.bom


def compression(data: bytes) -> str | None:
    """The compression the file's first bytes say, or None."""
    return next((kind for kind, (magic, _) in COMPRESSIONS.items() if data.startswith(magic)), None)


def view(data: bytes) -> View:
    """The view of a raw file's bytes; Unreadable for a compressed file that does not
    decompress (`bad_compression`) or a byte-order mark the bytes belie (`not_text`)."""
    kind = compression(data)
    if kind:
        try:
            data = COMPRESSIONS[kind][1](data)
        except Exception as error:  # each library raises its own kind
            raise Unreadable("bad_compression", f"{kind}: {error}") from None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _transcoded(data, len(bom), encoding, kind)
    start = len(BOM) if data.startswith(BOM) else 0
    return View(data, lf(data), start, None, kind)


def _transcoded(data: bytes, bom: int, encoding: str, kind: str | None) -> View:
    """The view of a UTF-16 or UTF-32 file, transcoded to UTF-8 after its byte-order mark."""
    try:
        text = data[bom:].decode(encoding)
        utf8 = text.encode("utf-8")
    except UnicodeError as error:
        raise Unreadable("not_text", f"{encoding} with a byte-order mark: {error}") from None
    points = np.frombuffer(text.encode("utf-32-le"), "<u4")
    astral = points >= 0x10000
    widths = 1 + (points >= 0x80) + (points >= 0x800) + astral
    units = np.full(len(points), 4) if "32" in encoding else 2 + 2 * astral
    units, widths = units.astype(np.int64), widths.astype(np.int64)
    return View(data, lf(utf8), 0, encoding, kind, units, widths, bom)


def lf(data: bytes) -> bytes:
    """A lone CR made LF, in place: old Mac line ends are line ends."""
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


def _zstd():
    import zstandard  # only for zstd files

    return zstandard.ZstdDecompressor().decompressobj()
