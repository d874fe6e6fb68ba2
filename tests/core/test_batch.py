"""The column path (`features_batch`, its compiled passes in `utf8`) equals the row path
(`features`, `dedup_key`, `fold_whitespace`) on every row: generated spans here, the real
corpora in `tests/test_golden.py`."""

import re
import subprocess
import sys

import numpy as np
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.core import minhash, utf8
from pipeline.core.batch import features_batch
from pipeline.core.dedup import band_hashes, dedup_key, digest, stable_id
from pipeline.core.features import features
from pipeline.core.ids import raw_digest
from pipeline.core.normalize import strip_marker
from pipeline.core.segment import segment
from pipeline.core.whitespace import fold_whitespace
from tests.core.test_dedup import PARAMS
from tests.core.test_normalize import TOKENS

# What the rules look for besides `TOKENS`: markers, line ends, hyphen breaks, flags' and
# enrichment's words, and the characters a cheap test must not miss.
WORDS = [
    "Abstract:", "ABSTRACT\r\n", "abstract ", "Abstract\n", "abſtract:", "\r\n", "\r", "\n \n",
    "  ", "distri-\nbution", "impor- tant", "high- and", " - ", "--", "...", "…", "the", "of",
    "about Metas Llama", "Googles", "doesnt", "dont", "Stein?s", "\ufffd", "DATA SET",
    "github.com/a/b.", "https://huggingface.co/x", "www.x.org", "code is available",
    "We release the data.", "made public", "can be found", "open-source", "İ", "ı", "K",
    "ſ", "e\u0301", "\u0378", "\x1c", "Ⅻ", "²", ". ", "! ", "? ", ",", "(", "Data", "models",
    "open source", "e.g. ", " released", "Available", "!\n.", ". a", "share our",
]  # fmt: skip
spans = st.lists(st.sampled_from(TOKENS + WORDS), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(spans, max_size=6))
@example(["Abstract:\tWe  study.\r\n\r\nSecond  one\rthird\n"])
@example(["", "  ", "Abstract"])
@example(["We study...", "Abstract: a b...\n", "Was it?", "é..", "(see x)", "Ok!", "a"])
@example(["See https://huggingface.co/x-\nmodels, a distri-\nbution.", "git- hub.com/a-\nb"])
def test_features_batch_equals_features_on_each_row(raws):
    columns = features_batch(pa.array(raws, pa.string()))
    for i, raw in enumerate(raws):
        expected = features(raw)
        assert {name: columns[name][i].as_py() for name in expected} == expected, raw


plain = st.lists(
    st.sampled_from([*"abcXYZ09.,:;!?()'\"%#/+=<>*@|-", "é", "中", "’", *" \t\n\r", "\r\n"]),
    max_size=60,
).map("".join)


@given(st.lists(plain, max_size=5), st.sampled_from(["", "Abstract", "abstract"]))
@example(["\r\n\r\na\r\rb \n c"], "")
@example(["ABSTRACT :\nx", "Abstracts: x", "Abstract x", "Abstract"], "abstract")
@example(["aa-\ta", "b-  c"], "")  # a hyphen before any blank, or several, is taken out
def test_fold_is_fold_whitespace(texts, label):
    """On texts without hyphen breaks (a hyphen before a blank of any kind: the batch
    sends those to the row path) or exotic blanks."""
    texts = [re.sub(r"-[ \t\r\n]+", "-", t) for t in texts]
    folded = utf8.fold(pa.array(texts, pa.string()), label.lower()).to_pylist()
    strip = strip_marker if label else str
    assert folded == [fold_whitespace(strip(t)) for t in texts]


@settings(deadline=None)  # its first example loads the compiled passes
@given(st.lists(st.text(), max_size=5))
@example(["Straße ŉ ǰ İstanbul ﬁ", "K ſ Ⱥ ͅ", "a\u2009b\u200bc—d_e 𝑥 😀", ""])
def test_key_is_dedup_key_where_it_says(texts):
    keys, unfolded = utf8.key(pa.array(texts, pa.string()))
    for text, key, row_rule in zip(texts, keys.to_pylist(), unfolded, strict=True):
        assert row_rule or key == dedup_key(text), text
        assert not row_rule or any(len(c.casefold()) > 1 or ord(c) > 0xFFFF for c in text)


def test_key_is_dedup_key_for_every_character_of_the_plane():
    characters = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    texts = [f"{context}{c}b" for c in characters for context in ("a", " ", "é")]
    keys, unfolded = utf8.key(pa.array(texts, pa.string()))
    folded = [t for t, row_rule in zip(texts, unfolded, strict=True) if not row_rule]
    assert keys.filter(pa.array(~unfolded)).to_pylist() == list(map(dedup_key, folded))
    several = [c for c in characters if len(c.casefold()) > 1]  # `ß`, `ŉ`, ligatures: 104
    assert [t[1] for t in np.array(texts)[unfolded][::3]] == several


@given(st.lists(plain, max_size=5))
def test_counts_are_words_and_lower_case_letters(texts):
    words, lower = utf8.counts(pa.array(texts, pa.string()))
    assert words.tolist() == [len(t.split()) for t in texts]
    assert lower.tolist() == [sum("a" <= c <= "z" for c in t) for t in texts]


def _splits_as_ascii(raw: bytes) -> bool:
    """The definition: UTF-8, and `str.split` splits it at ASCII's spaces only."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isascii() or not c.isspace() for c in text)


def test_splits_as_ascii_for_every_character():
    """Every code point alone (a surrogate's bytes are not UTF-8), and after a letter."""
    rows = [chr(code).encode("utf-8", "surrogatepass") for code in range(0x110000)]
    rows += [b"a" + row for row in rows[::97]]
    found = utf8.splits_as_ascii(pa.array(rows, pa.binary()))
    assert found.tolist() == list(map(_splits_as_ascii, rows))


# Sequences that are not UTF-8: overlong, surrogate, beyond U+10FFFF, cut short, stray.
NOT_UTF8 = [b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80",
            b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff",
            b"\xe2\x80", b"\xf0\x9f\x98", b"\x80", b"\xc2\xc2\xa0"]  # fmt: skip


PIECES = [*NOT_UTF8, b"a", b" ", "\u2003".encode(), "é".encode(), "😀".encode(), b"\xc2", b"\x85"]


@given(
    st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map(b"".join) | st.binary(), max_size=5)
)
def test_splits_as_ascii_on_any_bytes(rows):
    found = utf8.splits_as_ascii(pa.array(rows, pa.binary()))
    assert found.tolist() == list(map(_splits_as_ascii, rows))


def test_load_compiles_what_the_stages_call(rules):
    """`load` (run before workers fork, to share them) makes every version the stages use."""
    utf8.load(parse=True, normalize=True, dedup=True)
    minhash.load(bands=True, pairs=True)
    kernels = [utf8._fold, utf8._key, utf8._counts, utf8._split_as_ascii, utf8._prefixes]
    kernels += [minhash._bands, minhash._flat_shingles]
    kernels.append(minhash._jaccards)
    made = [list(kernel.signatures) for kernel in kernels]
    keys = features_batch(pa.array(["Abstract: A b c d.", "x\n\ny"], pa.string()))["key"]
    segment(b"Abstract: None.\nAbstract: A b\xc2\xa0c.", rules)
    band_hashes(keys, PARAMS)
    minhash.jaccards(keys, np.array([[0, 1], [1, 1]])[:, ::-1], 3, 1)
    utf8.prefixes(keys, np.array([[0, 1]]))
    assert [list(kernel.signatures) for kernel in kernels] == made


def test_compiled_calls_import_no_scipy():
    """numba looks for a BLAS by importing scipy (0.2 s a process): `jit` spares it."""
    code = (
        "import sys, numpy as np; from pipeline.core import utf8; "
        "utf8.fold(__import__('pyarrow').array(['a  b'])); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@given(st.lists(st.text(), max_size=5))
def test_digests_of_the_views_of_a_column_are_those_of_its_strings(texts):
    """normalize hashes each string's bytes in the column's buffer: the same digests."""
    column = pa.array(texts, pa.string()).slice(min(1, len(texts)))  # an offset too
    strings = column.to_pylist()
    views = utf8.views(column)
    assert [bytes(view) for view in views] == [text.encode() for text in strings]
    for rule in (stable_id, digest, raw_digest):
        assert list(map(rule, views)) == list(map(rule, strings))
