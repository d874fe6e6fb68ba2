"""Tests of `pipeline.core.normalize`: each rule, the composition, properties, real abstracts."""

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.core import normalize as nz
from pipeline.core.normalize import (
    attach_marks,
    clean,
    fix_mojibake,
    nfc,
    normalize,
    normalize_spaces,
    remove_invisible,
    strip_marker,
    unescape_html,
)
from pipeline.core.whitespace import fold_whitespace, join_hyphens

RAW = Path(__file__).resolve().parents[2] / "raw"
PLAIN = "The R&D budget rose 95% in 2020 (see https://x.org/a_b?c=1&d=2)."


# --- strip_marker ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Abstract:This document consolidates", "This document consolidates"),
        ("Abstract: We study", "We study"),
        ("ABSTRACT\r\nWe study", "We study"),
        ("Abstract\nWe study", "We study"),
        ("abstract :\tWe study", "We study"),
        ("  Abstract  :  \n We study", "We study"),
        ("Abstract: Abstract: twice", "Abstract: twice"),
        ("Abstract", ""),
    ],
)
def test_strip_marker_removes_the_marker(raw, expected):
    assert strip_marker(raw) == expected


@pytest.mark.parametrize(
    "text", ["We study abstracts.", "Abstraction is hard.", "Abstracts: many", "Abstract We study"]
)
def test_strip_marker_leaves_text_without_marker(text):
    assert strip_marker(text) == text


# --- Unicode repair -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("one&#39;s", "one's"),
        ("a&nbsp;b", "a\u00a0b"),
        ("&lt;b&gt;", "<b>"),
        ("&#x2014;", "—"),
        ("double &amp;lt; escaped", "double < escaped"),
    ],
)
def test_unescape_html_decodes_entities(text, expected):
    assert unescape_html(text) == expected


@pytest.mark.parametrize(
    "text", ["R&D", "AT&T", "Q&A; more", "?a=1&b=2", "x&lt=2&copy", "& alone", "&unknown;"]
)
def test_unescape_html_keeps_bare_ampersands(text):
    assert unescape_html(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the viewerâ€™s perspective", "the viewer’s perspective"),
        ("cafÃ© au lait", "café au lait"),
        ("â€œquotedâ€\x9d", "“quoted”"),
        ("\x93cp1252 quotes\x94", "“cp1252 quotes”"),
    ],
)
def test_fix_mojibake_repairs(text, expected):
    assert fix_mojibake(text) == expected


def test_fix_mojibake_keeps_right_characters():
    text = "Moyen Âge, “curly” ‘quotes’ — dashes, é, ∑, 中文"
    assert fix_mojibake(text) == text


def test_fix_mojibake_keeps_ligatures_width_and_curly_quotes_while_fixing():
    assert fix_mojibake("ﬁnal “ＦＵＬＬ” cafÃ©") == "ﬁnal “ＦＵＬＬ” café"


def test_fix_mojibake_calls_ftfy_only_on_hints(monkeypatch):
    def fail(*_):
        raise AssertionError("ftfy called")

    monkeypatch.setattr(nz, "fix_text", fail)
    for text in ["plain ASCII", "café, naïve, “quotes”, 中文", PLAIN]:
        assert fix_mojibake(text) == text


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from([*"a \x7f\x80\x9f\xa0ÂÃâ€é’", "\u0100"])))
@example("â€")
@example("â â€")
def test_mojibake_hint_is_found_as_searched(text):
    assert nz._hints_mojibake(text) is (nz._MOJIBAKE_HINT.search(text) is not None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zero\u200bwidth", "zerowidth"),
        ("\ufeffBOM and \u2060joiner", "BOM and joiner"),
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),
        ("soft\u00adhyphen", "softhyphen"),
        # ACL: a hyphen encoded as a soft hyphen after a blank
        ("state \u00adof \u00adthe \u00adart, so \u00adcalled", "state-of-the-art, so-called"),
        ("ascii\u200cnon-joiner\u200d", "asciinon-joiner"),
        ("keeps\nnew\tlines\r\n", "keeps\nnew\tlines\r\n"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("👩\u200d💻", "👩\u200d💻"),
    ],
)
def test_remove_invisible(text, expected):
    assert remove_invisible(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10\u00a0%", "10 %"),
        ("thin\u2009narrow\u202fideographic\u3000em\u2003", "thin narrow ideographic em "),
        ("line\u2028paragraph\u2029next", "line\nparagraph\n\nnext"),
        ("plain — “kept”", "plain — “kept”"),
    ],
)
def test_normalize_spaces(text, expected):
    assert normalize_spaces(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # real snippets of the ACL corpus: accents a PDF's text layer set apart
        ("Hans-Jo \u0308rg Uth", "Hans-Jörg Uth"),
        ("Na \u0308\u0131ve Bayes", "Naïve Bayes"),
        ("G \u0308ardenfors and Westerst \u030aahl", "Gärdenfors and Westerståhl"),
        ("Nin \u0303o, S \u0303ao Paulo", "Niño, São Paulo"),
        ("S\u0142owosiec \u0301, and Fr \u0301echet", "Słowosieć, and Fréchet"),
        ("a path n \u0338\u2192 m", "a path n ↛ m"),
        # composes with neither side: stays
        ("such as \u0303rg/wedding", "such as \u0303rg/wedding"),
        ("caf\u00e9 \u2014 plain", "caf\u00e9 \u2014 plain"),
    ],
)
def test_attach_marks(text, expected):
    assert nfc(attach_marks(text)) == expected


@settings(max_examples=300)
@given(st.text(st.sampled_from("aeonrsgIı \u0301\u0303\u0308\u0338→-.")))
def test_attach_marks_only_moves_marks_and_removes_blanks(text):
    """Every character but blanks stays (a dotless ı takes its dot back with its accent),
    and a mark left after a blank composes with neither side."""

    def kept(t):
        return sorted(unicodedata.normalize("NFD", t.replace("\u0131", "i")).replace(" ", ""))

    attached = attach_marks(text)
    assert kept(attached) == kept(text)
    for before, mark, after in nz._DETACHED.findall(attached):  # left: composes with neither
        assert not (nz._composed(before, mark) or nz._composed(after, mark)), attached


def test_nfc_composes_and_keeps_the_rest():
    assert nfc("cafe\u0301") == "café"
    kept = "“x” ‘y’ – — é ∑ ≤ 中文 ﬁ ＦＵＬＬ"
    assert nfc(kept) == kept


# --- normalize ------------------------------------------------------------------------------


def test_normalize_keeps_plain_text():
    assert normalize("Abstract:" + PLAIN) == PLAIN


def test_normalize_composes_every_rule():
    raw = (
        "ABSTRACT\r\nWe study the viewerâ€™s &amp; $\\alpha$-helix\r\n"
        "models, a ``multi-\r\nlingual'' set\u00a0of $100\\times$\u200b more distri-\r\nbuted\r\n"
        "data -- all $\\mathcal{O}(n\\log n)$ and $\\foo{x}$.\r\n\r\n"
        "Code: https://github.com/o/repo_name (95% R&D)."
    )
    assert normalize(raw) == (
        "We study the viewer’s & α-helix models, a “multilingual” set of 100× more distributed "
        "data – all 𝒪(n log n) and $\\foo{x}$.\n"
        "Code: https://github.com/o/repo_name (95% R&D)."
    )


def test_normalize_is_clean_after_strip_marker():
    raw = "Abstract: $x$ and ``y''"
    assert normalize(raw) == clean(strip_marker(raw)) == "x and “y”"


# --- Real abstracts: the seed dumps ---------------------------------------------------------


def _raw_abstract(phrase: str) -> str:
    """The abstract of the seed dumps that contains `phrase`."""
    for path in sorted(RAW.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Abstract:") and phrase in line:
                return line
    pytest.skip(f"no seed abstract contains {phrase!r}")


@pytest.mark.parametrize(
    ("phrase", "snippets"),
    [
        (
            "SpidR-Adapt for rapid adaptation",
            ["1h of target-language audio, over 100× more data-efficient than standard"],
        ),
        (
            "We introduce MusicFlow",
            ["despite being over 2∼5 times smaller and requiring 5 times fewer iterative"],
        ),
        (
            "we treat TTA models as a",
            [
                "we treat TTA models as a “blackbox” and address the user prompt",
                "which we refer to as “audionese”. To this end",
            ],
        ),
        ("supplementary training data", ["the TTS data down below its 30 %, which is superior"]),
        ("We pretrained over", ["We pretrained over 200 models of 25M to 1.5B parameters"]),
    ],
)
def test_seed_abstracts(phrase, snippets):
    text = normalize(_raw_abstract(phrase))
    assert "$" not in text and "\\" not in text and "`" not in text
    for snippet in snippets:
        assert snippet in text
    assert text == clean(text)


def test_seed_dumps_keep_plain_abstracts():
    path = min(RAW.glob("*.txt"), default=None)
    if path is None:
        pytest.skip("no seed dump")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Abstract:") and not re.search(r"[$\\`~&]", line):
            assert normalize(line) == " ".join(line[len("Abstract:") :].split())


@pytest.mark.slow
def test_acl_anthology_invariants(acl_corpus):
    paths = sorted(acl_corpus.glob("*.txt"))
    raws = [
        line
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("Abstract:")
    ]
    for raw in raws:
        text = normalize(raw)
        _assert_clean_output(text)
        if not re.search(r"[$\\`~&]|[^\x00-\x7f]|--", raw):
            assert text == join_hyphens(" ".join(raw[len("Abstract:") :].split()))


# --- Properties -----------------------------------------------------------------------------


def _assert_clean_output(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
    assert "\r" not in text and "\t" not in text and "  " not in text
    assert text == text.strip()
    assert all(line.strip() == line and line for line in text.split("\n")) or text == ""
    assert not any(unicodedata.category(c) == "Cc" for c in text.replace("\n", ""))


# Tokens of real abstracts: prose, whitespace of all kinds, LaTeX, HTML, URLs, Unicode.
TOKENS = [
    *"abcXYZ019 .,;:!?()-'\"%#&/+=<>*@[]|",
    *" \t\n\r\x0b\x0c\u00a0\u2009\u3000\u2028",
    *"$\\{}^_`~",
    r"\alpha", r"\times", r"\textbf{", r"\emph{", r"\frac", r"\sqrt", r"\mathbf{x}",
    r"\'", r"\%", r"\(", r"\)", "``", "''", "&amp;", "&#39;", "&lt;", "R&D",
    "http://x.org/a_b?c=1&d=2", "www.example.com/~user", "\n\n", "-\n",
    "\u200b", "\u200c", "\u00ad", "\x00", "\x07",
    "é", "e\u0301", "中文", "“", "”", "‘", "’", "—", "∑", "ﬁ",
]  # fmt: skip
# Texts of those tokens, but for `\$` and `$$`: a `\$` unescaped to `$` may pair with
# another `$` when cleaned again (as `$$` nested in `$...$` may), which no single pass can
# foresee. Mojibake is left out too: ftfy's heuristics read the whitespace next to `Â`.
rich_texts = (
    st.lists(st.sampled_from(TOKENS), max_size=40)
    .map("".join)
    .filter(lambda s: "\\$" not in s and "$$" not in s)
)
# ASCII prose with no character that any rule but whitespace folding acts on.
# Two apostrophes in a row are TeX quotes (`''x''`), not plain prose.
plain_texts = st.text(
    alphabet=st.sampled_from(list("abcdefgXYZ0123456789 .,:!?()'\"%#&/+=<>*@|\n\t\r")),
    max_size=200,
).filter(lambda text: "''" not in text)


@settings(max_examples=400)
@given(rich_texts)
@example("one\n\ntwo")
@example(r"$\alpha$ ``x'' \'s a`b'c 95% R&D")
@example(r"-\(-\)")  # rendered, the formula's minus and the hyphen were `--`, a dash
@example(r"\(--\)")
@example(r"\(-\)\(-\)")  # two formulas, side by side
@example(r"a $x$$-$ b")  # `x- b`, a word cut at its hyphen when read again
@example("$a\\\t$")  # a control space written with a tab, folded to `\ ` when kept
@example("``\"\"''")  # the quotes' content was `"`: read again, `"”` was quoted too
@example(r"\alpha\'a")  # the accent joined the symbol's name, `\alphaá`: read again, `αá`
def test_clean_is_idempotent(text):
    once = clean(text)
    # Paragraphs come out joined by one `\n`, which a second pass reads as a hard wrap: so
    # cleaning again is the identity paragraph by paragraph.
    assert "\n".join(clean(p) for p in once.split("\n")) == once
    if "\n" not in once:
        assert normalize("Abstract: " + once) == once


@settings(max_examples=400)
@given(st.one_of(rich_texts, st.text(max_size=200)))
@example("Â\t\x85\r\n\u2029\u200d \u180e")
@example(r"$\frachttp://x.org/a_b?c=1&d=2$")  # the fraction took the URL's placeholder apart
def test_clean_output_is_clean(text):
    _assert_clean_output(clean(text))


@settings(max_examples=300)
@given(plain_texts)
def test_plain_ascii_prose_is_only_folded(text):
    # no hyphen: hyphen breaks have their own tests (tests/core/test_whitespace.py)
    assert clean(text) == fold_whitespace(text)
    if "\n" not in text and "\r" not in text:
        assert clean(text) == " ".join(text.split())


@settings(max_examples=300)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*"abXY09 .,:!?()-'\"%#/+=<>*@|\n\t\r", "\u00a0", "\u2009", "\u3000", "é", "中", "“"]
        ),
        max_size=200,
    )
)
def test_words_survive(text):
    # in order; a hyphen break may join two of them (`impor- tant`)
    words = re.compile(r"[A-Za-z0-9]+")
    assert "".join(words.findall(clean(text))) == "".join(words.findall(text))


@settings(max_examples=200)
@given(
    st.text(alphabet=st.sampled_from(list("abz09_%~&=?-./")), min_size=1, max_size=30),
    st.sampled_from([r"$\alpha$ ", "``q'' ", r"\textit{i} ", "$5 and $", r"\% ", "x~(y) "]),
)
def test_urls_survive_any_latex_around(path, latex):
    url = "https://x.org/" + path.strip(".?")
    text = normalize(f"Abstract: {latex}see {url} {latex}")
    assert url in text.split(" ")
