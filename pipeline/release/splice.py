"""A Parquet file made of other files' row groups and columns, without encoding them again.

A Parquet file is its column chunks, one per column per row group, back to back, then a
footer (Thrift compact protocol) that says where each chunk starts. A chunk's bytes
depend on that column's values and the writer's settings only. So the file pyarrow writes
of some row groups is those row groups' chunks, copied from any files that hold them
(written alike), a row group's columns even from different files, with the footer's
offsets and sizes moved to match: the same bytes as writing it whole
(`tests/test_splice.py` checks this against pyarrow's writer).
"""

import mmap
import struct
from dataclasses import dataclass

MAGIC = b"PAR1"
STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)
# Field ids of the footer's structs (parquet.thrift).
NUM_ROWS, ROW_GROUPS = 3, 4  # FileMetaData (a RowGroup's num_rows is 3 too)
COLUMNS, TOTAL_BYTES, RG_OFFSET, RG_COMPRESSED = 1, 2, 5, 6  # RowGroup
FILE_PATH, CHUNK_OFFSET, META, OFFSET_INDEX, COLUMN_INDEX = 1, 2, 3, 4, 6  # ColumnChunk
UNCOMPRESSED, COMPRESSED, DATA_PAGE, INDEX_PAGE, DICT_PAGE, BLOOM = 6, 7, 9, 10, 11, 14
# What of the footer is decoded: the row groups' column chunks and their metadata.
SHAPE = {ROW_GROUPS: {COLUMNS: {META: {}}}}
# Offsets in the file, moved with their chunk.
CHUNK_OFFSETS = (CHUNK_OFFSET, OFFSET_INDEX, COLUMN_INDEX)
META_OFFSETS = (DATA_PAGE, INDEX_PAGE, DICT_PAGE, BLOOM)


class SpliceError(ValueError):
    """The file is not laid out as this module expects: write it whole instead."""


# Thrift compact protocol: a struct is a list of [field id, type, value], in order, so
# that encoding what was decoded gives the same bytes. Only the fields that `shape` names
# are decoded into structs (its value: theirs); other structs and collections are kept
# as their bytes (`Raw`), walked over but not built.


class Raw(bytes):
    """A struct or collection kept as it was encoded."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _put_varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)


def _unzig(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _zig(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _list_head(data: bytes, at: int) -> tuple[int, int, int]:
    """A list's (or set's) size and element type at `at`, and where its elements start."""
    size, inner = data[at] >> 4, data[at] & 0x0F
    at += 1
    if size == 15:
        size, at = _varint(data, at)
    return size, inner, at


def _skip(data: bytes, at: int, kind: int) -> int:
    """Where the value of `kind` at `at` ends."""
    if kind in (TRUE, FALSE, BYTE):  # a collection's boolean: one byte
        return at + 1
    if kind in (I16, I32, I64):
        while data[at] >= 0x80:
            at += 1
        return at + 1
    if kind == DOUBLE:
        return at + 8
    if kind == BINARY:
        size, at = _varint(data, at)
        return at + size
    if kind in (LIST, SET):
        size, inner, at = _list_head(data, at)
        for _ in range(size):
            at = _skip(data, at, inner)
        return at
    if kind == MAP:
        size, at = _varint(data, at)
        if size:
            key, val = data[at] >> 4, data[at] & 0x0F
            at += 1
            for _ in range(size):
                at = _skip(data, _skip(data, at, key), val)
        return at
    if kind == STRUCT:
        while (head := data[at]) != STOP:
            at += 1
            if not head >> 4:
                at = _skip(data, at, I16)
            if head & 0x0F not in (TRUE, FALSE):
                at = _skip(data, at, head & 0x0F)
        return at + 1
    raise SpliceError(f"unknown Thrift type {kind}")


def _struct(data: bytes, at: int, shape: dict) -> tuple[list, int]:
    """The struct at `at`, its fields in `shape` decoded as it says, and where it ends."""
    fields, last = [], 0
    while True:
        head = data[at]
        at += 1
        if head == STOP:
            return fields, at
        delta, kind = head >> 4, head & 0x0F
        if delta:
            field = last + delta
        else:
            field, at = _varint(data, at)
            field = _unzig(field)
        if kind in (TRUE, FALSE):
            value = kind == TRUE
        elif kind in (I16, I32, I64):
            value, at = _varint(data, at)
            value = _unzig(value)
        elif field in shape and kind == STRUCT:
            value, at = _struct(data, at, shape[field])
        elif field in shape and kind == LIST and data[at] & 0x0F == STRUCT:
            size, _, at = _list_head(data, at)
            items = []
            for _ in range(size):
                item, at = _struct(data, at, shape[field])
                items.append(item)
            value = (STRUCT, items)
        else:
            end = _skip(data, at, kind)
            value, at = Raw(data[at:end]), end
        fields.append([field, kind, value])
        last = field


def _put_value(out: bytearray, kind: int, value) -> None:
    """Encode what `_struct` decodes: kept bytes, integers, structs and lists of them."""
    if isinstance(value, Raw):
        out += value
    elif kind in (I16, I32, I64):
        _put_varint(out, _zig(value))
    elif kind == LIST:
        inner, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | inner)
        else:
            out.append(0xF0 | inner)
            _put_varint(out, len(items))
        for item in items:
            _put_struct(out, item)
    else:
        _put_struct(out, value)


def _put_struct(out: bytearray, fields: list) -> None:
    last = 0
    for field, kind, value in fields:
        if kind in (TRUE, FALSE):
            kind = TRUE if value else FALSE
        if 0 < field - last <= 15:
            out.append((field - last) << 4 | kind)
        else:
            out.append(kind)
            _put_varint(out, _zig(field))
        if kind not in (TRUE, FALSE):
            _put_value(out, kind, value)
        last = field
    out.append(STOP)


def _get(fields: list, field: int):
    return next((f for f in fields if f[0] == field), None)


# The Parquet layer.


class Parquet:
    """A Parquet file's bytes and its row groups' structs, its chunks checked to lie back
    to back from its start to its footer."""

    def __init__(self, data: bytes | mmap.mmap):
        if data[:4] != MAGIC or data[-4:] != MAGIC:
            raise SpliceError("not a Parquet file")
        start = len(data) - 8 - struct.unpack("<I", data[-8:-4])[0]
        if start < len(MAGIC):
            raise SpliceError("the footer is longer than the file")
        footer = data[start:-8]  # bytes: decoded a byte at a time
        try:
            self.footer, end = _struct(footer, 0, SHAPE)
        except IndexError:
            raise SpliceError("the footer is cut short") from None
        if end != len(footer):
            raise SpliceError("the footer is not one Thrift struct")
        self.view = memoryview(data)
        self.groups = _get(self.footer, ROW_GROUPS)[2][1]
        expected = len(MAGIC)
        for group in self.groups:
            for chunk in _get(group, COLUMNS)[2][1]:
                at, size = _extent(chunk)
                if at != expected:
                    raise SpliceError("column chunks are not back to back")
                expected = at + size
        if expected != start:
            raise SpliceError("bytes between the column chunks and the footer")


@dataclass(frozen=True)
class RowGroup:
    """The `index`th row group of `file`, its columns at positions `columns` (in schema
    order) taken from the `taken_index`th of `taken`, a file of those columns only."""

    file: Parquet
    index: int
    taken: Parquet | None = None
    taken_index: int = 0
    columns: tuple[int, ...] = ()


def assemble(groups: list[RowGroup]) -> list[memoryview | bytes]:
    """The Parquet file of these row groups, in order (at least one, from files written
    with the same schema and settings), as pieces to write one after the other: chunks
    that lie back to back in their file are one piece (a row group copied whole, or a run
    of its columns), so that writing and hashing them costs a few calls, not one a chunk."""
    runs, position, structs = [], len(MAGIC), []  # each piece's file, start and end
    for group in groups:
        fields = group.file.groups[group.index]
        replaced = {}
        if group.taken is not None:
            taken = group.taken.groups[group.taken_index]
            if _get(taken, NUM_ROWS)[2] != _get(fields, NUM_ROWS)[2]:
                raise SpliceError("the taken columns are not the row group's rows")
            replaced = dict(zip(group.columns, _get(taken, COLUMNS)[2][1], strict=True))
        chunks, first, sizes = [], None, [0, 0]
        for index, chunk in enumerate(_get(fields, COLUMNS)[2][1]):
            at, size = _extent(chunk)
            if first is None:
                first = position - at
            source = group.file
            if index in replaced:
                meta, new = _get(chunk, META)[2], _get(replaced[index], META)[2]
                sizes[0] += _get(new, UNCOMPRESSED)[2] - _get(meta, UNCOMPRESSED)[2]
                sizes[1] += _get(new, COMPRESSED)[2] - _get(meta, COMPRESSED)[2]
                chunk, source = replaced[index], group.taken
                at, size = _extent(chunk)
            chunks.append(_moved(chunk, position - at))
            if runs and runs[-1][0] is source and runs[-1][2] == at:
                runs[-1][2] = at + size
            else:
                runs.append([source, at, at + size])
            position += size
        structs.append(_group(fields, chunks, first, sizes))
    rows = sum(_get(fields, NUM_ROWS)[2] for fields in structs)
    moved = {NUM_ROWS: rows, ROW_GROUPS: (STRUCT, structs)}
    footer = [[f, k, moved.get(f, v)] for f, k, v in groups[0].file.footer]
    encoded = bytearray()
    _put_struct(encoded, footer)
    pieces = [file.view[start:end] for file, start, end in runs]
    return [MAGIC, *pieces, bytes(encoded), struct.pack("<I", len(encoded)), MAGIC]


def _extent(chunk: list) -> tuple[int, int]:
    """Where a column chunk's pages start in the file, and their size."""
    if _get(chunk, FILE_PATH) or _get(chunk, OFFSET_INDEX) or _get(chunk, COLUMN_INDEX):
        raise SpliceError("a column chunk in another file or with a page index")
    meta = _get(chunk, META)[2]
    start = _get(meta, DICT_PAGE) or _get(meta, DATA_PAGE)
    return start[2], _get(meta, COMPRESSED)[2]


def _moved(chunk: list, delta: int) -> list:
    """A column chunk's struct with its file offsets moved by `delta` (a zero
    `file_offset`, which writers of today leave so, stays)."""
    out = []
    for field, kind, value in chunk:
        if field in CHUNK_OFFSETS and value:
            value += delta
        elif field == META:
            value = [[f, k, v + delta if f in META_OFFSETS else v] for f, k, v in value]
        out.append([field, kind, value])
    return out


def _group(fields: list, chunks: list, delta: int, sizes: list[int]) -> list:
    """A row group's struct with its new `chunks`, its offset moved by `delta` and its
    uncompressed and compressed sizes by `sizes`."""
    moved = {RG_OFFSET: delta, TOTAL_BYTES: sizes[0], RG_COMPRESSED: sizes[1]}
    out = []
    for field, kind, value in fields:
        if field == COLUMNS:
            value = (STRUCT, chunks)
        elif field in moved:
            value += moved[field]
        out.append([field, kind, value])
    return out
