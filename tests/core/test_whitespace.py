"""Tests of `pipeline.core.whitespace`: line ends, hard wraps, hyphens judged by real words."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.core import whitespace
from pipeline.core.whitespace import fold_whitespace, join_hyphens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hard\nwrapped\r\nlines", "hard wrapped lines"),
        ("pre-\nTrained", "pre-Trained"),
        ("models -\nwhich", "models - which"),
        ("runs  of\t\tblanks", "runs of blanks"),
        ("one\n\ntwo\r\n\r\n\r\nthree\n \t\nfour", "one\ntwo\nthree\nfour"),
        ("  \n stripped \n\n", "stripped"),
        ("old\rmac", "old mac"),
        ("", ""),
    ],
)
def test_fold_whitespace(text, expected):
    assert fold_whitespace(text) == expected


# Real line ends and typeset hyphens, from arxiv-2025 and the ACL Anthology.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a dash at a line end keeps its blanks
        ("anomaly detection –\nparticularly", "anomaly detection – particularly"),
        # suspended hyphens keep a blank
        ("semantic labeling and high-\nand low-level planning", "and high- and low-level"),
        ("using un-\nand self-supervised methods", "using un- and self-supervised methods"),
        ("we compare human-\nand LLM-generated prompts", "we compare human- and LLM-generated"),
        # compounds wrapped at their hyphen stay compounds
        ("the state-of-the-\nart LLMs", "the state-of-the-art LLMs"),
        ("classical Encoder-\nDistortion-Decoder training", "classical Encoder-Distortion-Decoder"),
        ("self-\nsupervised and pre-\ntraining", "self-supervised and pre-training"),
        ("for real-\ntime use", "for real-time use"),
        # typeset hyphenation is joined where the halves make a word
        ("and is ap-\nplicable in cases", "and is applicable in cases"),
        ("An impor- tant special case", "An important special case"),
        ("natural lan- guage and speech process- ing", "natural language and speech processing"),
        ("are com- mon statistical models across re- sources", "are common statistical"),
        ("combining dictio- naries from", "combining dictionaries from"),
        # a break before a capital inside a line is no hyphenation
        ("state-of-the-art LLMs- ChatGPT 4.0, Mistral", "LLMs- ChatGPT 4.0, Mistral"),
        # from 200 breaks read by eye: compounds, chains, dashes, names, prefixes
        ("The first one combines the out- puts of ELMo", "combines the outputs of ELMo"),
        ("from large- scale data", "from large-scale data"),
        ("across space- and time-\nscales", "across space- and time-scales"),
        ("outperforms the state-of- the-art in", "outperforms the state-of-the-art in"),
        ("an all- to-all attention", "an all-to-all attention"),
        ("les relations intra- et inter-phrastiques", "les relations intra- et inter-"),
        ("without retraining the model- while keeping", "the model- while keeping"),
        # ACL: function words after a dash, never a compound's second half
        (
            "harm- rather than good, adult- than infant-directed",
            "harm- rather than good, adult- than",
        ),
        ("Cognitive NLP systems- i.e., NLP systems", "Cognitive NLP systems- i.e., NLP"),
        (
            "a Multi- Choice task on pro- Palestinian posts",
            "a Multi-Choice task on pro-Palestinian",
        ),
        ("we fine-tune BERT- Large and CoT- Vid", "we fine-tune BERT-Large and CoT-Vid"),
        ("phylogenetic trees hand- designed by linguists", "trees hand-designed by linguists"),
    ],
)
def test_hyphens_at_line_ends_and_typeset(text, expected):
    assert expected in fold_whitespace(text)


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(
            ["impor", "tant", "high", "and", "self", "supervised", "x", "-", " ", "\n"]
        ),
        max_size=30,
    ).map("".join)
)
def test_hyphen_breaks_keep_every_letter_in_order_and_are_idempotent(text):
    joined = join_hyphens(text)
    assert re.sub(r"[^a-z]", "", joined) == re.sub(r"[^a-z]", "", text)
    for paragraph in fold_whitespace(text).split("\n"):  # folded once, nothing left to join
        assert join_hyphens(paragraph) == paragraph


@settings(max_examples=500)
@given(st.text(st.sampled_from([*"aZé²ß_3-- \n", "\u0301", "ǅ", "中"]), max_size=40))
@example("state-of- the-art x3a- b _a- b é²- b")
def test_hyphen_breaks_are_found_as_the_word_first_pattern_finds_them(text):
    """The breaks found from their hyphen, with their left word read back, are those of
    `([^\\W\\d_]+)-( ?\\n ?| )(?=([^\\W\\d_]+))`, the pattern that starts at the word."""
    word_first = re.compile(r"([^\W\d_]+)-( ?\n ?| )(?=([^\W\d_]+))")
    expected = [(m.start(2) - 1, *m.groups()) for m in word_first.finditer(text)]
    found = [
        (m.start(), whitespace._left(text, m.start()), *m.groups())
        for m in whitespace._HYPHEN_BREAK.finditer(text)
    ]
    assert found == expected
