"""A big dump parsed a chunk at a time gives exactly the rows of the whole dump."""

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pipeline.core.chunks import Chunk, parse_chunk, plan
from pipeline.core.decode import is_text
from pipeline.core.dump import parse_dump
from tests.core.test_dump import covered_once
from tests.dumps import BOMS, COMPRESSORS, Dump, dumps


def chunked(data: bytes, chunk_bytes: int, rules, ratio: float = 0.1):
    """The chunks of `data` and the rows of each, parsed one by one."""
    chunks = plan(data, chunk_bytes, rules, ratio)
    assert [c.start for c in chunks] == [0] + [c.end for c in chunks[:-1]]
    assert chunks[-1].end == len(data)
    assert all(c.end - c.start >= chunk_bytes for c in chunks[:-1])
    return chunks, [parse_chunk(data[c.start : c.end], c, "x.txt", rules, ratio) for c in chunks]


def rows(parsed_dumps) -> tuple[list[dict], list[dict]]:
    """The occurrences and the rejects of parsed dumps, one after the other."""
    occurrences = [r for p in parsed_dumps for r in p.occurrences.to_pylist()]
    return occurrences, [r for p in parsed_dumps for r in p.rejects.to_pylist()]


PLAIN = ("utf-8", "cp1252")  # what is cut: the others are transcoded


def plain(dump: Dump) -> Dump:
    """A generated dump in UTF-8 (its byte-order mark too) if it is in UTF-16 or UTF-32."""
    if dump.encoding in PLAIN:
        return dump
    return Dump(dump.data.decode(dump.encoding).encode(), [], "utf-8")


@settings(max_examples=300)
@given(dumps().map(plain), st.data())
def test_chunks_give_exactly_the_rows_of_the_whole_dump(rules, dump, draw):
    data = dump.data
    chunk_bytes = draw.draw(st.integers(1, len(data) // 2 + 1), label="chunk_bytes")
    chunks, parsed = chunked(data, chunk_bytes, rules)
    event(f"{min(len(chunks), 4)} chunks")
    whole = parse_dump(data, "x.txt", rules, 0.1)
    assert rows(parsed) == rows([whole])
    assert [p.empty for p in parsed] in ([whole.empty], [False] * len(parsed))
    assert covered_once(
        data, [*whole.occurrences.to_pylist(), *whole.rejects.to_pylist()], dump.encoding
    )


@given(dumps(), st.sampled_from([None, *COMPRESSORS]), st.integers(1, 100))
def test_compressed_utf16_and_utf32_dumps_are_one_chunk(rules, dump, compressed, chunk_bytes):
    data = COMPRESSORS[compressed](dump.data) if compressed else dump.data
    chunks, parsed = chunked(data, chunk_bytes, rules)
    if compressed or dump.encoding not in PLAIN:
        assert chunks == [Chunk(0, len(data))]
    assert rows(parsed) == rows([parse_dump(data, "x.txt", rules, 0.1)])


MIXED = (
    b"Home | Papers\r\n\r\n"
    b"Abstract: We study speech.\r\rDownload PDF\r\r"
    b"Title: A title\nAuthors: A. Author\n"
    b"  Abstract:\n  Text on the next line,\n  wrapped.\n\n"
    b"Keywords: k\n\nTitle: T\nAbstract: Short one.\r\n"
    b"Abstract: N/A\r\n"
    b"ABSTRACT\r\n\r\nA record opened by a lone marker.\r\n\r\nJohn Smith\r\n"
    b"Abstract: The last, with no line end."
)


@pytest.mark.parametrize("bom", [b"", BOMS["utf-8"]])
def test_every_chunk_size_gives_the_same_rows_and_fields(rules, bom):
    """Cuts fall inside records, inside CRLFs and between a record and its fields: the
    chunks start where records start, their fields included."""
    data = bom + MIXED
    whole = parse_dump(data, "x.txt", rules, 0.1)
    fields = [(r["title"], r["keywords"]) for r in whole.occurrences.to_pylist()]
    assert fields == [(None, None), ("A title", "k"), ("T", None), (None, None), (None, None)]
    starts = set()
    for chunk_bytes in range(1, len(data) + 2):
        chunks, parsed = chunked(data, chunk_bytes, rules)
        assert rows(parsed) == rows([whole])
        starts |= {data[c.start : c.start + 12] for c in chunks[1:]}
    assert starts == {
        b"Title: A tit",  # not at its marker, `  Abstract:`: at its fields
        b"Title: T\nAbs",  # not at `Keywords: k`, the record before's
        b"Abstract: N/",
        b"ABSTRACT\r\n\r\n",
        b"Abstract: Th",
    }


def test_a_file_is_judged_text_as_a_whole_not_by_chunk(rules):
    prose = b"Abstract: A long enough text, with many more letters than control bytes.\n" * 40
    controls = b"Abstract: " + b"\x01" * 300 + b" x\n"
    data = prose + controls + prose
    chunks, parsed = chunked(data, 100, rules)
    assert any(not is_text(data[c.start : c.end], 0.1) for c in chunks)  # alone, not text
    assert rows(parsed) == rows([parse_dump(data, "x.txt", rules, 0.1)])
    assert not any(p.not_text for p in parsed)
    for bad in (prose + b"\x00" + prose, controls * 20):
        assert chunked(bad, 100, rules)[0] == [Chunk(0, len(bad))]
        assert parse_dump(bad, "x.txt", rules, 0.1).not_text


def test_a_record_longer_than_a_chunk_stays_whole(rules):
    long = b"Abstract: " + b"word " * 1000 + b"\n"
    data = b"Abstract: one.\n" + long + b"Abstract: two.\n" + b"Abstract: three.\n"
    chunks, parsed = chunked(data, 20, rules)
    assert [data[c.start : c.end] for c in chunks] == [
        # `two` is the first record at or after byte 20: the chunk runs to the next one
        b"Abstract: one.\n" + long + b"Abstract: two.\n",
        b"Abstract: three.\n",
    ]
    assert [(r["byte_start"], r["line_start"]) for r in rows(parsed)[0]] == [
        (0, 1),
        (15, 2),
        (15 + len(long), 3),
        (30 + len(long), 4),
    ]
