"""Defects of a clean text, on real snippets: what makes one copy of an abstract worse."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline import synth
from pipeline.core.defects import ALL_CAPS, HYPHENATION, TEX_DEBRIS, defects, has_hyphenation
from pipeline.core.normalize import normalize
from pipeline.core.whitespace import SUSPENDED


@pytest.mark.parametrize(
    "text, found",
    [
        ("We pre-train on Continued Denoising (CD)\\-i.e. masked spans.", TEX_DEBRIS),
        ("A model \\cite{vaswani} that attends.", TEX_DEBRIS),
        ("We train an AUTO- REGRESSIVE decoder.", HYPHENATION),
        ("This is impor- tant for low-resource languages.", HYPHENATION),
        ("WE TRAIN AN AUTO-REGRESSIVE DECODER ON 10K HOURS OF SPEECH.", ALL_CAPS),
        ("WE TRAIN AN AUTO- REGRESSIVE DECODER.", ALL_CAPS | HYPHENATION),
        ("WE SET \\ALPHA TO 1.", ALL_CAPS | TEX_DEBRIS),
    ],
)
def test_defects_found(text, found):
    assert defects(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "It helps both high- and low-resource languages.",
        "Zero- or few-shot, pre- as well as post-training, first- to third-order, "
        "token- versus sentence-level, general- vs. domain-specific, mono- nor cross-lingual.",
        "We set $\\foo$ to 1 and $$\\sum_i x_i$$ to 2.",
        "With \\(\\alpha\\), \\[\\beta\\] and \\begin{equation}\\gamma\\end{equation} kept.",
        "We evaluate BERT and GPT-4 (OpenAI) on the GLUE benchmark and SQuAD.",
        "由于中文语法的复杂性,中文语法错误检测(CGED)的难度较大。",
        "An auto-regressive model, state-of-the-art in 2024 - and cheap.",
    ],
)
def test_no_defect(text):
    assert defects(text) == 0


def test_all_caps_parts_real_abstracts_from_their_upper_cased_copies(acl_corpus):
    """The threshold holds on the whole ACL corpus: no abstract is flagged, and every
    upper-cased copy of one in a cased script (ASCII, with letters) is."""
    texts = [normalize("Abstract: " + text) for text in synth.read_abstracts(acl_corpus)]
    assert [t for t in texts if defects(t) & ALL_CAPS] == []
    cased = [t for t in texts if t.isascii() and any(map(str.isalpha, t))]
    assert len(cased) > 10_000
    assert [t for t in cased if not defects(t.upper()) & ALL_CAPS] == []


@given(st.lists(st.sampled_from([*"aZé²_3- \n", "and", "As well", "or"]), max_size=16).map("".join))
@example("é- b ²- x _- x 3- x a- and")
def test_hyphenation_is_found_as_the_letter_first_pattern_finds_it(text):
    """Found from its `- ` (fast), it is where the pattern that starts at the letter is."""
    suspended = "|".join(sorted(SUSPENDED))
    letter_first = re.compile(rf"[^\W\d_]- (?!(?:{suspended}|as well)\b)[^\W\d_]", re.IGNORECASE)
    assert has_hyphenation(text) == (letter_first.search(text) is not None)
