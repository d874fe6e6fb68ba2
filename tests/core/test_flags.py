"""Quality flags on real snippets."""

import pytest

from pipeline.core.flags import has_lost_characters, has_math, is_truncated, length_flags


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
