"""Quality flags on real snippets, and the fast paths against their first formulation."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.core import flags
from pipeline.core.flags import has_lost_characters, has_math, is_truncated, length_flags
from pipeline.core.urls import URL


@pytest.mark.parametrize(
    "text, truncated",
    [
        ("We've also made the code publicly avail", True),
        ("We propose a model and", True),
        ("Results are promising …", True),
        ("Results are promising...", True),
        ("", True),
        ("We release the code.", False),
        ("Is it?", False),
        ("It works (see Table 1).", False),
        ("We call it “audionese.”", False),
        ("Code: https://github.com/facebookresearch/spidr.", False),
    ],
)
def test_is_truncated(text, truncated):
    assert is_truncated(text) is truncated


@pytest.mark.parametrize(
    "text, lost",
    [
        ("technical details about Metas Llama 4 model family.", True),
        ("This doesnt work.", True),
        ("Meta\ufffds model.", True),
        ("Meta?s model.", True),
        ("technical details about Meta’s Llama 4 model family.", False),
        ("We study Transformers Networks for Speech.", False),
        ("What is it? It is a model.", False),
        ("See https://youtube.com/watch?v=44UJ.", False),
        ("la façon dont le corse", False),
        ("by Thomas", False),
    ],
)
def test_has_lost_characters(text, lost):
    assert has_lost_characters(text) is lost


def lost_reference(text: str) -> bool:
    """`has_lost_characters` as first written: words split and stripped one by one."""
    if "\ufffd" in text or ("?" in text and flags._QUESTION_IN_WORD.search(URL.sub(" ", text))):
        return True
    if not flags._CONTRACTIONS.isdisjoint(w.strip(flags._WORD_EDGES).lower() for w in text.split()):
        return True
    for match in re.finditer(r"(?<= )[A-Z][a-z]*[aeio]s (?=[A-Z])", text):
        end = match.start() - 1  # the blank before the capitalized word
        if text[text.rfind(" ", 0, end) + 1 : end] in flags._BEFORE_POSSESSIVE:
            return True
    return False


# Contractions in any case, letters that case-insensitive matching or `str.lower` confuse with
# ASCII ones (`ſ`, `İ`, `ı`, the Kelvin sign), word edges, blanks of all kinds, possessives.
LOST_TOKENS = [
    *sorted(flags._CONTRACTIONS), "DOESNT", "Wont", "cAnT", "doeſnt", "İsnt", "ısnt", "wasn't",
    "significant", "parent", *flags._WORD_EDGES, *" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2009\u3000",
    "Metas", "Aas", "Bes", "Llama", "about", "of", "than", "x", "Ab", "?", "\ufffd", "ǅ", "Σ",
    "http://x.org/a?b", "\u212a",
]  # fmt: skip
lost_texts = st.lists(st.sampled_from(LOST_TOKENS), max_size=30).map("".join)


@settings(max_examples=1000)
@given(st.one_of(lost_texts, st.text()))
@example("about Aas Bes Cd")
@example("(“Doesnt”).")
@example("x.doesnt")
def test_has_lost_characters_is_its_first_formulation(text):
    assert has_lost_characters(text) is lost_reference(text)
    assert has_lost_characters(text.upper()) is lost_reference(text.upper())


def test_lower_casing_moves_no_blank_and_no_word_edge():
    characters = list(map(chr, range(0x110000)))
    kept = {c for c in characters if c.isspace()} | set(flags._WORD_EDGES)
    for c in characters:
        assert c.lower() == c if c in kept else kept.isdisjoint(c.lower())


@pytest.mark.parametrize(
    "raw, math",
    [
        ("Abstract: over $100\\times$ more data", True),
        ("Abstract: with $O(n^2)$ time", True),
        ("Abstract: It costs $5 and $10.", False),
        ("Abstract: a plain text with 95% R&D.", False),
    ],
)
def test_has_math(raw, math):
    assert has_math(raw) is math


def test_length_flags():
    assert length_flags(10, 30, 500) == (True, False)
    assert length_flags(30, 30, 500) == (False, False)
    assert length_flags(501, 30, 500) == (False, True)
