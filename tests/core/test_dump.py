"""The parse rules on hand-written dumps and on generated ones (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import segment
from pipeline.core.dump import parse_dump
from pipeline.core.view import View, compression, view
from tests.core.test_batch import NOT_UTF8
from tests.dumps import BOMS, COMPRESSORS, dumps, junk, line_ends


def spans(parsed):
    """(start, end, kind, text) of every row, in byte order."""
    rows = [
        (r["byte_start"], r["byte_end"], "abstract", r["text_raw"])
        for r in parsed.occurrences.to_pylist()
    ]
    rows += [
        (r["byte_start"], r["byte_end"], r["reason"], r["text"]) for r in parsed.rejects.to_pylist()
    ]
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
    assert [(*map(r.get, where), r["text_raw"]) for r in parsed.occurrences.to_pylist()] == [
        (33, 66, 2, 2, "Abstract: We prove that P ≠ NP."),
        (133, 165, 10, 10, "Abstract: Missing data, imputed."),
        (264, 292, 17, 17, "Abstract: None of the above."),
    ]
    assert [(*map(r.get, where), r["reason"], r["text"]) for r in parsed.rejects.to_pylist()] == [
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
    rows = parsed.occurrences.to_pylist() + parsed.rejects.to_pylist()
    assert covered_once(data, rows) and {r["source"] for r in rows} == {"proc/2021.txt"}


def test_a_trailing_paragraph_of_unicode_blanks_stays_with_its_abstract(rules):
    text = "Abstract: We study x.\n\n\u00a0\u3000\n"
    assert parse(text, rules) == [(0, 28, "abstract", text.rstrip("\n"))]


def test_offsets_and_lines_with_bom_and_crlf(rules):
    data = b"\xef\xbb\xbf\r\nAbstract: caf\xc3\xa9.  \r\n\r\n"
    (row,) = parse_dump(data, "x.txt", rules, 0.1).occurrences.to_pylist()
    assert (row["byte_start"], row["byte_end"], row["line_start"], row["line_end"]) == (5, 21, 2, 2)
    assert row["text_raw"] == "Abstract: café." and row["encoding"] == "utf-8"


def test_legacy_bytes_fall_back_to_cp1252_per_span(rules):
    data = "Abstract: naïve “x”.\nAbstract: plain.\n".encode("cp1252") + "Abstract: é.".encode()
    rows = parse_dump(data, "x.txt", rules, 0.1).occurrences.to_pylist()
    assert [(r["text_raw"], r["encoding"]) for r in rows] == [
        ("Abstract: naïve “x”.", "cp1252"),
        ("Abstract: plain.", "utf-8"),
        ("Abstract: é.", "utf-8"),
    ]


def test_empty_and_whitespace_files_yield_nothing(rules):
    for data in (b"", b"\xef\xbb\xbf", b" \r\n\t\n"):
        parsed = parse_dump(data, "x.txt", rules, 0.1)
        assert (
            parsed.empty and not parsed.occurrences.to_pylist() and not parsed.rejects.to_pylist()
        )


@given(junk)
def test_binary_file_is_one_not_text_reject(rules, data):
    parsed = parse_dump(data, "x.bin", rules, 0.1)
    assert parsed.not_text and not parsed.occurrences.to_pylist()
    reason = "bad_compression" if compression(data) else "not_text"
    assert [
        (r["byte_start"], r["byte_end"], r["reason"], r["text"]) for r in parsed.rejects.to_pylist()
    ] == [(0, len(data), reason, None)]


def test_mostly_control_bytes_is_not_text(rules):
    assert parse_dump(b"Abstract: \x01\x02\x03\x04 x", "x", rules, 0.1).not_text
    assert not parse_dump(b"Abstract: \x01 a long enough text", "x", rules, 0.1).not_text


def covered_once(data: bytes, rows, encoding: str = "utf-8") -> bool:
    """Every byte of every non-whitespace character after a BOM is in exactly one span;
    spans do not overlap."""
    counts = [0] * len(data)
    for row in rows:
        for i in range(row["byte_start"], row["byte_end"]):
            counts[i] += 1
    blank = [True] * len(data)
    for start, end, char in characters(data, encoding):
        blank[start:end] = [char.isspace() and char.isascii()] * (end - start)
    return all(c <= 1 and (c == 1 or blank[i]) for i, c in enumerate(counts))


def characters(data: bytes, encoding: str):
    """(start, end, character) of each character of `data` after its byte-order mark; a
    byte that is no character of `encoding` is taken as one (cp1252 read byte by byte)."""
    bom = BOMS[encoding] if data.startswith(BOMS[encoding]) else b""
    at = len(bom)
    if encoding in ("utf-8", "cp1252"):
        return [(i, i + 1, chr(data[i]) if data[i] < 128 else "x") for i in range(at, len(data))]
    found = []
    for char in data[at:].decode(encoding):
        width = len(char.encode(encoding))
        found.append((at, at + width, char))
        at += width
    return found


@settings(max_examples=300)
@given(dumps(), st.sampled_from([None, *COMPRESSORS]))
def test_generated_dumps_give_exactly_their_spans(rules, dump, compressed):
    data = COMPRESSORS[compressed](dump.data) if compressed else dump.data
    parsed = parse_dump(data, "gen.txt", rules, 0.1)
    assert parsed.compression == compressed
    rows = parsed.occurrences.to_pylist() + parsed.rejects.to_pylist()
    encoding = dump.encoding
    assert covered_once(dump.data, rows, encoding)
    expected = [(start, end, kind, text) for start, end, kind, text, _ in dump.spans]
    assert spans(parsed) == expected
    encodings = {r["byte_start"]: r["encoding"] for r in rows}
    assert encodings == {start: encoding for start, *_, encoding in dump.spans}
    for row in rows:
        assert row["line_start"] == line_ends(dump.data, row["byte_start"], encoding) + 1
        assert row["line_end"] == line_ends(dump.data, row["byte_end"] - 1, encoding) + 1


@settings(max_examples=300)
@given(
    dumps(),
    st.lists(
        st.sampled_from(["\n\n", "\r\n\r\n", "\n", " \n \n", "\n\t\x0b\x0c\n", "Keywords: x\n"])
    ),
)
def test_a_plain_record_is_cut_as_the_general_rules_cut_it(rules, dump, inserted):
    seen = view(dump.data)  # what `parse_dump` segments: its line ends, in UTF-8
    data = seen.data[seen.start :] + "".join(inserted).encode()  # blank lines, a field line
    markers = list(segment._at_line_starts(segment.MARKER, data))
    starts = [m.end(1) for m in markers]
    bounds = [*(m.start(1) for m in markers), len(data)][1:]
    ends, cuts = segment._records(data, starts, bounds, rules)
    for i, (start, bound) in enumerate(zip(starts, bounds, strict=True)):
        body, rest = segment._cut(data, segment._units(data, start, bound, rules), rules)
        assert ends[i] == (body[-1][1] if body else start)
        if i not in cuts:  # plain: its one paragraph, nothing after it
            assert len(body) <= 1 and not rest
        else:
            assert cuts[i] == (body, rest)
            assert all(type(at) is int for unit in body + rest for at in unit[:2])


@given(st.lists(st.one_of(dumps().map(lambda d: d.data), junk, st.binary()), max_size=3))
def test_any_bytes_are_covered_exactly_once(rules, blobs):
    data = b"\n".join(blobs)
    parsed = parse_dump(data, "any.txt", rules, 0.1)
    if parsed.compression and not parsed.not_text:  # offsets into the bytes it holds
        data = view(data).raw
    assert covered_once(
        data,
        parsed.occurrences.to_pylist() + parsed.rejects.to_pylist(),
        parsed.encoding or "utf-8",
    )


# --- Dumps as they come from the wild ---------------------------------------------------------

WILD = (
    "Abstract: We study speech models on Zürich data.\n\n"
    "Abstract: A second record about naïve tokens.\n"
    "Abstract: A third one, right after.\n"
)


def test_old_mac_line_ends_separate_records(rules):
    data = WILD.replace("\n", "\r").encode()
    parsed = parse_dump(data, "mac.txt", rules, 0.1)
    rows = [(r["text_raw"], r["line_start"], r["line_end"]) for r in parsed.occurrences.to_pylist()]
    assert rows == [
        ("Abstract: We study speech models on Zürich data.", 1, 1),
        ("Abstract: A second record about naïve tokens.", 3, 3),
        ("Abstract: A third one, right after.", 4, 4),
    ]
    assert not parsed.rejects.to_pylist() and covered_once(data, parsed.occurrences.to_pylist())


def test_mixed_line_ends_keep_the_text_as_it_stands(rules):
    data = b"Abstract: one\rtwo\r\nthree\n\rAbstract: next."
    parsed = parse_dump(data, "mixed.txt", rules, 0.1)
    assert [(r["text_raw"], r["line_end"]) for r in parsed.occurrences.to_pylist()] == [
        ("Abstract: one\rtwo\r\nthree", 3),
        ("Abstract: next.", 5),
    ]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_with_a_bom_are_decoded_at_their_own_offsets(rules, encoding):
    data = BOMS[encoding] + WILD.replace("\n", "\r\n").encode(encoding)
    parsed = parse_dump(data, "windows.txt", rules, 0.1)
    assert parsed.encoding == encoding and not parsed.not_text
    texts = [r["text_raw"] for r in parsed.occurrences.to_pylist()]
    assert texts == [line for line in WILD.split("\n") if line]
    for row in parsed.occurrences.to_pylist():
        assert data[row["byte_start"] : row["byte_end"]].decode(encoding) == row["text_raw"]
        assert row["encoding"] == encoding
    assert covered_once(data, parsed.occurrences.to_pylist(), encoding)


def test_a_bom_its_bytes_belie_is_not_text(rules):
    parsed = parse_dump(b"\xff\xfeA\x00\x00\xd8", "odd.txt", rules, 0.1)
    assert [r["reason"] for r in parsed.rejects.to_pylist()] == ["not_text"]


@pytest.mark.parametrize("kind", list(COMPRESSORS))
def test_compressed_dumps_are_read_as_the_text_they_hold(rules, kind):
    data = COMPRESSORS[kind](WILD.encode())
    parsed = parse_dump(data, f"dump.txt.{kind}", rules, 0.1)
    assert parsed.compression == kind
    assert [(r["byte_start"], r["text_raw"]) for r in parsed.occurrences.to_pylist()][1] == (
        WILD.encode().index(b"Abstract: A second"),
        "Abstract: A second record about naïve tokens.",
    )


def test_a_zstd_dump_is_read_too(rules):
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(WILD.encode())
    assert len(parse_dump(data, "dump.txt.zst", rules, 0.1).occurrences.to_pylist()) == 3


def test_a_broken_compressed_dump_is_one_reject_that_says_so(rules):
    data = COMPRESSORS["gzip"](WILD.encode())[:30]
    parsed = parse_dump(data, "cut.txt.gz", rules, 0.1)
    assert [(r["byte_start"], r["byte_end"], r["reason"]) for r in parsed.rejects.to_pylist()] == [
        (0, len(data), "bad_compression")
    ]


LABELLED = (
    "Title: Helices in proteins\n"
    "Authors: A. Author, B. Author\n"
    "Abstract: We study the alpha-helix-pull.\n"
    "Keywords: helix, pull\n"
    "Download PDF  Cite this paper\n\n"
    "<<<< page 2 of 2 >>>>\n\n"
    "© 2021 The Authors\n\n"
    "Title: Épitopes conformationnels\n"
    "Authors: Renée Lefèvre\n"
    "Abstract: Nous étudions les épitopes.\n\n"
    "Un second paragraphe du même résumé.\n"
    "DOI: 10.1/x\n"
)


def test_labelled_fields_are_columns_of_their_record_never_its_text(rules):
    parsed = parse_dump(LABELLED.encode(), "labelled.txt", rules, 0.1)
    fields = ("title", "authors", "keywords", "doi", "url", "arxiv_id")
    assert [(r["text_raw"], *(r[f] for f in fields)) for r in parsed.occurrences.to_pylist()] == [
        (
            "Abstract: We study the alpha-helix-pull.",
            "Helices in proteins", "A. Author, B. Author", "helix, pull", None, None, None,
        ),
        (
            "Abstract: Nous étudions les épitopes.\n\nUn second paragraphe du même résumé.",
            "Épitopes conformationnels", "Renée Lefèvre", None, "10.1/x", None, None,
        ),
    ]  # fmt: skip
    assert [(r["reason"], r["text"]) for r in parsed.rejects.to_pylist()] == [
        ("field", "Title: Helices in proteins"),
        ("field", "Authors: A. Author, B. Author"),
        ("field", "Keywords: helix, pull"),
        ("page_chrome", "Download PDF  Cite this paper"),
        ("page_chrome", "<<<< page 2 of 2 >>>>"),
        ("page_chrome", "© 2021 The Authors"),
        ("field", "Title: Épitopes conformationnels"),
        ("field", "Authors: Renée Lefèvre"),
        ("field", "DOI: 10.1/x"),
    ]
    assert covered_once(
        LABELLED.encode(), parsed.occurrences.to_pylist() + parsed.rejects.to_pylist()
    )


@pytest.mark.parametrize(
    ("between", "keywords_of", "title_of"),
    [
        ("Keywords: k\nTitle: T\n", 0, 0),  # no blank line: all after the text is the first's
        ("Keywords: k\n\nTitle: T\n", 0, 1),  # the last blank line parts the next's fields
        ("\nKeywords: k\n\nTitle: T\n", 0, 1),
        ("\nKeywords: k\nTitle: T\n", 1, 1),  # after a blank line, only fields: the next's
    ],
)
def test_ambiguous_fields_between_two_records(rules, between, keywords_of, title_of):
    text = f"Abstract: First text.\n{between}Abstract: Second text.\n"
    rows = parse_dump(text.encode(), "x.txt", rules, 0.1).occurrences.to_pylist()
    assert [r["keywords"] for r in rows] == ["k" if i == keywords_of else None for i in (0, 1)]
    assert [r["title"] for r in rows] == ["T" if i == title_of else None for i in (0, 1)]


def test_prose_after_page_furniture_is_no_longer_the_abstract(rules):
    text = "Abstract: Real text.\n\nSecond real paragraph.\n\nDownload PDF\n\nRelated: a list.\n"
    parsed = parse_dump(text.encode(), "x.txt", rules, 0.1)
    assert [r["text_raw"] for r in parsed.occurrences.to_pylist()] == [
        "Abstract: Real text.\n\nSecond real paragraph."
    ]
    assert [r["reason"] for r in parsed.rejects.to_pylist()] == ["page_chrome", "outside_abstract"]


def test_a_label_inside_hard_wrapped_prose_is_prose(rules):
    # arxiv-2025: a citation that happens to open a wrapped line, and a link after "the"
    text = (
        "Abstract: The COGS benchmark (Kim and Linzen, 2020)\n"
        "arXiv:2010.05465 reports 0% accuracy. The code can be accessed using the\n"
        "link:https://github.com/x/y\n"
    )
    parsed = parse_dump(text.encode(), "x.txt", rules, 0.1)
    assert [r["text_raw"] for r in parsed.occurrences.to_pylist()] == [
        text.strip()
    ] and not parsed.rejects.to_pylist()


def test_a_hard_wrapped_indented_field_is_one_field(rules):
    # arxiv-2025: the authors' own keywords under the abstract, wrapped
    text = (
        "Abstract: Reusing transformations is\ndifficult.\n"
        "  Keywords: defect detection, language model, semantic-preserving\n"
        "transformation, ensemble\n"
    )
    parsed = parse_dump(text.encode(), "x.txt", rules, 0.1)
    [occurrence] = parsed.occurrences.to_pylist()
    assert occurrence["text_raw"] == "Abstract: Reusing transformations is\ndifficult."
    assert occurrence["keywords"] == (
        "defect detection, language model, semantic-preserving transformation, ensemble"
    )
    assert [r["reason"] for r in parsed.rejects.to_pylist()] == ["field"]


def test_letters_and_digits_are_what_isalnum_says_for_every_character():
    """`empty_abstract` and symbol-only furniture are judged by a regex: the same test."""
    text = "".join(map(chr, range(0x110000)))
    found = {m.start() for m in segment._ALNUM.finditer(text)}
    assert found == {i for i, c in enumerate(text) if c.isalnum()}


_WORDS = ["no", "abstract", "N/A", "available", "tbd", "Abstract:", "We", "x1", "é", "ſ"]
_BETWEEN = [" ", "\n", "\n\n", "\r\n", "\t", "\x1c", "\u00a0", "\u2003", "\u3000", "\x85"]
_AROUND = ["", "[", "(", "•", "—", "...", "-", "* *"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(_AROUND),
            st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_BETWEEN)), max_size=5),
            st.sampled_from(_AROUND),
        ),
        max_size=6,
    ),
    st.sampled_from(["utf-8", "cp1252"]),
)
def test_records_judged_together_are_each_judged_alone(rules, records, encoding):
    """`Rules.records`, which folds in a compiled pass, gives `Rules.record` of each text."""
    data, starts, ends = b"", [], []
    for before, words, after in records:
        text = before + "".join(word + blank for word, blank in words) + after
        data += b"Abstract: "
        starts.append(len(data))
        data += text.encode(encoding, "replace")
        ends.append(len(data))
        data += b"\n\n"
    expected = [rules.record(segment._text(data[a:b])) for a, b in zip(starts, ends, strict=True)]
    assert rules.records(data, starts, ends) == expected


@given(st.lists(st.sampled_from(NOT_UTF8) | st.binary(max_size=6) | st.text().map(str.encode)))
def test_spans_cut_at_once_are_each_decoded_alone(pieces):
    """`View.texts`, which cuts a file's spans from its bytes at once where all are UTF-8
    (Arrow's check), gives `View.text` of each: pieces alternate between span and gap."""
    data = b"".join(pieces)
    bounds = np.cumsum([0, *map(len, pieces)])
    starts, ends = bounds[:-1:2], bounds[1::2]
    seen = View(data, data, 0, None, None)
    texts, encodings = seen.texts(starts, ends)
    found = list(zip(texts.to_pylist(), encodings.to_pylist(), strict=True))
    assert found == [seen.text(a, b) for a, b in zip(starts, ends, strict=True)]
