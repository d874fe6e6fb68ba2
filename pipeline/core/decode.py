"""Decide whether raw bytes are text, and decode them.

UTF-8 first; bytes that are not valid UTF-8 fall back to cp1252, whose five
undefined bytes map to the C1 controls of the same value (as browsers do).
"""

from collections.abc import Iterable

import numpy as np
import pyarrow as pa

BOM = b"\xef\xbb\xbf"
WHITESPACE = b" \t\n\r\x0b\x0c"
_CONTROL = bytes(b for b in range(32) if b not in WHITESPACE) + b"\x7f"
# cp1252's characters for bytes 0x80-0x9F, but its five undefined ones (left as C1 controls).
_CP1252 = {b: bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(0x80, 0xA0)}


def is_text(data: bytes, max_control_ratio: float) -> bool:
    """False for NUL bytes, or for more control bytes than `max_control_ratio`."""
    return are_text((data,), max_control_ratio)


def are_text(blocks: Iterable[bytes], max_control_ratio: float) -> bool:
    """`is_text` of the bytes of `blocks` one after the other, read a block at a time."""
    controls = length = 0
    for block in blocks:
        if b"\x00" in block:
            return False
        controls += len(block) - len(block.translate(None, _CONTROL))
        length += len(block)
    return controls <= max_control_ratio * length


def decode(raw: bytes) -> tuple[str, str]:
    """Decode `raw` as UTF-8, else as cp1252; return the text and the encoding used."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1").translate(_CP1252), "cp1252"


def utf8_bytes(text: str | memoryview) -> bytes | memoryview:
    """A text's UTF-8 bytes: those given, or its own encoded."""
    return text.encode("utf-8") if isinstance(text, str) else text


def cut(data: bytes, starts, ends) -> pa.Array:
    """The bytes data[start:end] of each span (in order, apart), as a binary array: the
    spans and the gaps between them over `data`'s buffer, the gaps then left out."""
    bounds = np.column_stack([starts, ends]).astype(np.int64).ravel()
    every = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), max(len(bounds) - 1, 0), [None, pa.py_buffer(bounds), pa.py_buffer(data)]
    )
    return every.take(np.arange(0, len(bounds), 2))
