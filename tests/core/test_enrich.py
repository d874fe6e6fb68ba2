"""Links and release statements on real snippets, and the fast paths (the compiled pass of
`released` among them) against their first formulation."""

import re

import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.core import enrich, released
from pipeline.core.enrich import code_repositories, releases
from pipeline.core.urls import CODE_HOSTS, URL, trim
from pipeline.core.urls import find as urls


def test_urls_as_written_without_sentence_punctuation():
    text = (
        "Code at https://github.com/facebookresearch/spidr-adapt. Demo (www.x.org/~u/a_b), "
        "data: http://x.org/q?a=1&b=2; see github.com/Owner/Repo.git."
    )
    assert urls(text) == [
        "https://github.com/facebookresearch/spidr-adapt",
        "www.x.org/~u/a_b",
        "http://x.org/q?a=1&b=2",
        "github.com/Owner/Repo.git",
    ]
    assert urls("No links here, only 95% R&D.") == []


def test_code_repositories_are_host_owner_repo():
    links = [
        "https://github.com/facebookresearch/spidr-adapt",
        "HTTPS://GitHub.com/Owner/Repo.git/tree/main",
        "https://github.com/facebookresearch/spidr-adapt/blob/x.py",
        "http://x.org/page",
        "gitlab.com/g/p",
    ]
    assert code_repositories(links) == [
        "github.com/facebookresearch/spidr-adapt",
        "github.com/Owner/Repo",
        "gitlab.com/g/p",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Our code and model will be publicly available.", (True, False, True)),
        ("We release a new dataset of 10k dialogues.", (False, True, False)),
        ("The corpus is available at http://x.org.", (False, True, False)),
        ("Code: https://github.com/a/b.", (True, False, False)),
        ("We make our pretrained checkpoints public.", (False, False, True)),
        ("We study the release of gas. Models of speech are hard.", (False, False, False)),
        ("Our model uses data from a public source code.", (False, False, False)),
    ],
)
def test_releases(text, expected):
    found = releases(text, code_repositories(urls(text)))
    assert (found["code"], found["data"], found["models"]) == expected


# The first formulations of the URL pattern, of `urls` and of `releases`.
URL_REFERENCE = re.compile(
    r"(?:https?://|ftp://|www\.|\b(?:" + "|".join(map(re.escape, CODE_HOSTS)) + r")/)"
    r"[^\s<>\"`“”‘’«»]+",
    re.IGNORECASE,
)
SENTENCE_REFERENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
RELEASE_REFERENCE = re.compile(
    r"\b(?:releas(?:e|ed|ing)|available|open[- ]sourc(?:e|ed|ing)"
    r"|ma(?:k|d)e (?:\w+ ){0,4}public|can be (?:found|downloaded|accessed)|share[sd]?)\b",
    re.IGNORECASE,
)
RELEASED_REFERENCE = {
    "code": r"\b(?:code|source|implementation|software|toolkit|library|scripts?)\b",
    "data": r"\b(?:data|dataset|datasets|corpus|corpora|annotations?|benchmark|treebank)\b",
    "models": r"\b(?:models?|checkpoints?|weights|embeddings|pre-?trained)\b",
}


def urls_reference(text: str) -> list[str]:
    if "://" not in text and "www." not in text and not any(h in text for h in CODE_HOSTS):
        return []
    return [trim(match[0]) for match in URL_REFERENCE.finditer(text)]


def releases_reference(text: str) -> dict[str, bool]:
    found = dict.fromkeys(RELEASED_REFERENCE, False)
    for sentence in SENTENCE_REFERENCE.split(text) if RELEASE_REFERENCE.search(text) else ():
        if RELEASE_REFERENCE.search(sentence):
            for artifact, pattern in RELEASED_REFERENCE.items():
                found[artifact] |= re.search(pattern, sentence, re.IGNORECASE) is not None
    return found


# Pieces of links and release statements in any case, letters that case-insensitive matching
# or `str.lower` confuse with ASCII ones (`ſ`, `İ`, `ı`, the Kelvin sign), blanks, sentence ends.
TOKENS = [
    "https://", "HTTP://", "ftp://", "www.", "WWW.", "://", "x.org/a?b=1", "/", ".", "!", "?",
    *(host + "/" for host in CODE_HOSTS), "GitHub.com/", "github.co", "bitbuc\u212aet.org/",
    "ſ", "\u212a", "İ", "ı", "release", "Released", "RELEASING", "available", "open-source",
    "Open sourced", "make", "Made", "ma\u212ae", "our", "public", "can be", "found", "accessed",
    "share", "shares", "code", "SCRIPT", "data", "datasets", "corpora", "annotation", "model",
    "checkpoints", "pre-trained", "weights", "embeddings", "ſhare", "releaſe", "avaİlable",
    "avaılable", "a", "We", "The", "x_1", "é", "中", *" \t\n\u00a0\u3000", ". ", "! ", "? ",
    ".\n", ", ",
]  # fmt: skip
texts = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@settings(max_examples=500)
@given(st.one_of(texts, st.text()))
@example("See WWW.x.org and github.com, https://github.com/a/b.")
def test_urls_are_their_first_formulation(text):
    assert [m.span() for m in URL.finditer(text)] == [
        m.span() for m in URL_REFERENCE.finditer(text)
    ]
    assert urls(text) == urls_reference(text)


def test_every_code_host_holds_a_searched_ending():
    assert all(".co" in host or ".org" in host for host in CODE_HOSTS)


@settings(max_examples=1000)
@given(st.one_of(texts, st.text()))
@example("Metrics. Our code is released. Data can be found here.")
@example("We make the data public! The model is ſhared.")
@example("Code is avaİlable. İ. Code is available.")
@example("Code is avaılable.")
@example("Our code.  \tData is released.")
def test_releases_are_their_first_formulation(text):
    for case in (text, text.upper(), text.lower()):
        found = releases(case, [])
        assert found == releases_reference(case)
        assert [m.span() for m in enrich._RELEASE.finditer(case)] == [
            m.span() for m in RELEASE_REFERENCE.finditer(case)
        ]
        for artifact, pattern in enrich.RELEASED.items():
            assert [m.span() for m in pattern.finditer(case)] == [
                m.span() for m in re.finditer(RELEASED_REFERENCE[artifact], case, re.IGNORECASE)
            ]


def test_lower_casing_finds_what_ignorecase_does_but_in_texts_with_a_lookalike():
    characters = list(map(chr, range(128, 0x110000)))
    lookalikes = {c for c in characters if re.match("[a-z]", c, re.IGNORECASE)}
    assert lookalikes == set(enrich.ASCII_LOOKALIKES)
    assert {c for c in characters if len(c.lower()) != 1} <= lookalikes  # positions stay
    for c in set(characters) - lookalikes:  # and words: `released` relies on it
        lower = c.lower()
        assert not lower.isascii() and lower.isalnum() == c.isalnum(), c
        assert lower.isspace() == c.isspace(), c


def released_rows(texts: list[str]) -> list[dict[str, bool] | None]:
    """`released.released` of the texts, a row each (None where it leaves it to `releases`)."""
    said, unsure = released.released(pa.array(texts, pa.string()))
    return [None if unsure[i] else {k: bool(said[k][i]) for k in said} for i in range(len(texts))]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(texts, st.text()), max_size=8))
@example(["Metrics. Our code is released. Data can be found here.", "We make the data public!"])
@example(["Code is avaİlable.", "x\U0001f600 code is released", "open-source code", "OPEN  source"])
@example(
    ["We made it   public data.", "We make a b c d e public data.", "We make a b c d public data"]
)
@example(
    ["Data.\u00a0We release code.", "Data.\u2028Code is released", "pre-trained models shared"]
)
def test_the_compiled_pass_finds_what_releases_does(cases):
    cases += [case.upper() for case in cases] + [case.lower() for case in cases]
    for case, found in zip(cases, released_rows(cases), strict=True):
        assert found is None or found == releases_reference(case), case
        assert found is not None or not case.isascii(), case  # ASCII: always judged


def test_the_compiled_pass_judges_every_character_of_the_plane_as_releases_does():
    """Each character in the places where it could change a word, a sentence or a phrase."""
    characters = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    contexts = ("Code{}is released.", "Data.{}We release code", "We make{}it public data.")
    cases = [context.format(c) for c in characters for context in contexts]
    cases += [f"We release code{c}" for c in characters]
    for case, found in zip(cases, released_rows(cases), strict=True):
        assert found is None or found == releases_reference(case), case


def test_the_classes_of_the_plane_are_those_of_re():
    classes = released._classes()
    for code in range(0x10000):
        char = chr(code)
        word, blank = re.match(r"\w", char) is not None, re.match(r"\s", char) is not None
        assert (bool(classes[code] & 1), bool(classes[code] & 2)) == (word, blank), hex(code)
