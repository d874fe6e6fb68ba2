"""The parse rules on hand-written dumps and on generated ones (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.decode import WHITESPACE
from pipeline.core.dump import parse_dump
from tests.dumps import dumps, junk


def spans(parsed):
    """(start, end, kind, text) of every row, in byte order."""
    rows = [(r["byte_start"], r["byte_end"], "abstract", r["text_raw"]) for r in parsed.occurrences]
    rows += [(r["byte_start"], r["byte_end"], r["reason"], r["text"]) for r in parsed.rejects]
    return sorted(rows)


def parse(text, rules, encoding="utf-8"):
    return spans(parse_dump(text.encode(encoding), "x.txt", rules, 0.1))


def test_marker_forms_and_text_on_the_next_line(rules):
    text = "Abstract:one.\nABSTRACT :two.\n  abstract\nthree.\nAbstract\n\nfour.\n"
    assert [(kind, t) for _, _, kind, t in parse(text, rules)] == [
        ("abstract", "Abstract:one."),
        ("abstract", "ABSTRACT :two."),
        ("abstract", "abstract\nthree."),
        ("abstract", "Abstract\n\nfour."),
    ]


def test_abstract_inside_a_sentence_is_text(rules):
    text = "Abstract: We define an\nAbstract syntax. The Abstract: form is new.\n"
    assert parse(text, rules) == [(0, len(text) - 1, "abstract", text[:-1])]


def test_paragraphs_headings_and_list_items_stay_one_abstract(rules):
    text = "Abstract: We study x.\n\nMethods.\n\n- first item\n- second item\n\nWe conclude.\n"
    assert [kind for *_, kind, _ in parse(text, rules)] == ["abstract"]


def test_trailing_chrome_and_names_are_rejects_not_glued_on(rules):
    text = "Abstract: We study x.\n\nDownload PDF\n\nJohn Smith\nAbstract: Next one.\n"
    assert [(kind, t) for _, _, kind, t in parse(text, rules)] == [
        ("abstract", "Abstract: We study x."),
        ("page_chrome", "Download PDF"),
        ("trailing_fragment", "John Smith"),
        ("abstract", "Abstract: Next one."),
    ]


def test_copyright_lines_are_chrome_whatever_their_sign(rules):
    text = "Abstract: We study x.\n\n(c) 2020 ACL\nAbstract: Next.\n\n© 2021 IEEE\n"
    assert [kind for *_, kind, _ in parse(text, rules)] == [
        "abstract",
        "page_chrome",
        "abstract",
        "page_chrome",
    ]


def test_a_lone_paragraph_is_always_the_abstract(rules):
    assert parse("Abstract:\nShammie\n", rules) == [(0, 17, "abstract", "Abstract:\nShammie")]


def test_preamble_file_without_marker_and_empty_marker(rules):
    text = "Shammie\nAbstract:\n\nABSTRACT\nAbstract: -- \u200b\n\nDownload PDF"
    assert [(kind, t) for *_, kind, t in parse(text, rules)] == [
        ("outside_abstract", "Shammie"),
        ("empty_abstract", "Abstract:"),
        ("empty_abstract", "ABSTRACT"),
        ("empty_abstract", "Abstract: -- \u200b"),
        ("page_chrome", "Download PDF"),
    ]
    assert parse("just text\n\nmore text", rules) == [
        (0, 9, "outside_abstract", "just text"),
        (11, 20, "outside_abstract", "more text"),
    ]


def test_placeholders_are_rejects_and_short_abstracts_stay(rules):
    """Placeholders in several wordings, cases and brackets; real short abstracts around."""
    data = (
        "Abstract: No abstract available.\n"
        "Abstract: We prove that P ≠ NP.\n"
        "\n"
        "Abstract:\n"
        "  [No Abstract Available]\n"
        "\n"
        "Download PDF\n"
        "\n"
        "ABSTRACT: n/a\n"
        "Abstract: Missing data, imputed.\n"
        "Abstract: Abstract Unavailable\n"
        "abstract : TBD\n"
        "Abstract:\n"
        "This article has\n"
        "no abstract.\n"
        "Abstract: -\n"
        "Abstract: None of the above.\n"
        "Abstract: (Abstract: Not Available)\n"
    ).encode()
    parsed = parse_dump(data, "proc/2021.txt", rules, 0.1)
    where = ("byte_start", "byte_end", "line_start", "line_end")
    assert [(*map(r.get, where), r["text_raw"]) for r in parsed.occurrences] == [
        (33, 66, 2, 2, "Abstract: We prove that P ≠ NP."),
        (133, 165, 10, 10, "Abstract: Missing data, imputed."),
        (264, 292, 17, 17, "Abstract: None of the above."),
    ]
    assert [(*map(r.get, where), r["reason"], r["text"]) for r in parsed.rejects] == [
        (0, 32, 1, 1, "placeholder", "Abstract: No abstract available."),
        (68, 103, 4, 5, "placeholder", "Abstract:\n  [No Abstract Available]"),
        (105, 117, 7, 7, "page_chrome", "Download PDF"),
        (119, 132, 9, 9, "placeholder", "ABSTRACT: n/a"),
        (166, 196, 11, 11, "placeholder", "Abstract: Abstract Unavailable"),
        (197, 211, 12, 12, "placeholder", "abstract : TBD"),
        (212, 251, 13, 15, "placeholder", "Abstract:\nThis article has\nno abstract."),
        (252, 263, 16, 16, "empty_abstract", "Abstract: -"),
        (293, 328, 18, 18, "placeholder", "Abstract: (Abstract: Not Available)"),
    ]
    rows = parsed.occurrences + parsed.rejects
    assert covered_once(data, rows) and {r["source"] for r in rows} == {"proc/2021.txt"}


def test_a_trailing_paragraph_of_unicode_blanks_stays_with_its_abstract(rules):
    text = "Abstract: We study x.\n\n\u00a0\u3000\n"
    assert parse(text, rules) == [(0, 28, "abstract", text.rstrip("\n"))]


def test_offsets_and_lines_with_bom_and_crlf(rules):
    data = b"\xef\xbb\xbf\r\nAbstract: caf\xc3\xa9.  \r\n\r\n"
    (row,) = parse_dump(data, "x.txt", rules, 0.1).occurrences
    assert (row["byte_start"], row["byte_end"], row["line_start"], row["line_end"]) == (5, 21, 2, 2)
    assert row["text_raw"] == "Abstract: café." and row["encoding"] == "utf-8"


def test_legacy_bytes_fall_back_to_cp1252_per_span(rules):
    data = "Abstract: naïve “x”.\nAbstract: plain.\n".encode("cp1252") + "Abstract: é.".encode()
    rows = parse_dump(data, "x.txt", rules, 0.1).occurrences
    assert [(r["text_raw"], r["encoding"]) for r in rows] == [
        ("Abstract: naïve “x”.", "cp1252"),
        ("Abstract: plain.", "utf-8"),
        ("Abstract: é.", "utf-8"),
    ]


def test_empty_and_whitespace_files_yield_nothing(rules):
    for data in (b"", b"\xef\xbb\xbf", b" \r\n\t\n"):
        parsed = parse_dump(data, "x.txt", rules, 0.1)
        assert parsed.empty and not parsed.occurrences and not parsed.rejects


@given(junk)
def test_binary_file_is_one_not_text_reject(rules, data):
    parsed = parse_dump(data, "x.bin", rules, 0.1)
    assert parsed.not_text and not parsed.occurrences
    assert [(r["byte_start"], r["byte_end"], r["reason"], r["text"]) for r in parsed.rejects] == [
        (0, len(data), "not_text", None)
    ]


def test_mostly_control_bytes_is_not_text(rules):
    assert parse_dump(b"Abstract: \x01\x02\x03\x04 x", "x", rules, 0.1).not_text
    assert not parse_dump(b"Abstract: \x01 a long enough text", "x", rules, 0.1).not_text


def covered_once(data: bytes, rows) -> bool:
    """Every non-whitespace byte after a BOM is in exactly one span; spans do not overlap."""
    counts = [0] * len(data)
    for row in rows:
        for i in range(row["byte_start"], row["byte_end"]):
            counts[i] += 1
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    return all(
        c <= 1 and (c == 1 or i < skip or data[i] in WHITESPACE) for i, c in enumerate(counts)
    )


@settings(max_examples=300)
@given(dumps())
def test_generated_dumps_give_exactly_their_spans(rules, dump):
    parsed = parse_dump(dump.data, "gen.txt", rules, 0.1)
    rows = parsed.occurrences + parsed.rejects
    assert covered_once(dump.data, rows)
    expected = [(start, end, kind, text) for start, end, kind, text, _ in dump.spans]
    assert spans(parsed) == expected
    encodings = {r["byte_start"]: r["encoding"] for r in rows}
    assert encodings == {start: encoding for start, *_, encoding in dump.spans}
    for row in rows:
        assert row["line_start"] == dump.data.count(b"\n", 0, row["byte_start"]) + 1
        assert row["line_end"] == dump.data.count(b"\n", 0, row["byte_end"] - 1) + 1


@given(st.lists(st.one_of(dumps().map(lambda d: d.data), junk, st.binary()), max_size=3))
def test_any_bytes_are_covered_exactly_once(rules, blobs):
    data = b"\n".join(blobs)
    parsed = parse_dump(data, "any.txt", rules, 0.1)
    assert covered_once(data, parsed.occurrences + parsed.rejects)
