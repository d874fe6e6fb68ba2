"""What users ask of an abstract besides its text: counts, links, release statements."""

import re
from collections.abc import Iterator

from pipeline.core.urls import CODE_HOSTS

_REPOSITORY = re.compile(
    r"(?:https?://)?(?:www\.)?(" + "|".join(map(re.escape, CODE_HOSTS)) + r")/"
    r"([\w.-]+)/([\w.-]+)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# The same breaks read right to left, in the reversed text.
_SENTENCE_REVERSED = re.compile(r"(?<=[A-Z])\s+(?=[.!?])")


def _words(*words: str) -> re.Pattern[str]:
    """Any of the words (regular expressions, each starting with a letter), in any case.

    The lookahead of their first letters changes no match: it makes the search fail fast.
    """
    first_letters = "".join(sorted({word[0] for word in words}))
    return re.compile(rf"(?=[{first_letters}])\b(?:{'|'.join(words)})\b", re.IGNORECASE)


_RELEASE = _words(
    "releas(?:e|ed|ing)",
    "available",
    "open[- ]sourc(?:e|ed|ing)",
    r"ma(?:k|d)e (?:\w+ ){0,4}public",
    "can be (?:found|downloaded|accessed)",
    "share[sd]?",
)
# How every `_RELEASE` match starts, lower-cased; and the non-ASCII letters that IGNORECASE
# matches to ASCII ones (`ſ` to `s`, see `re.IGNORECASE`): a text with one is searched as is.
RELEASE_STARTS = (
    "releas",
    "available",
    "open-sourc",
    "open sourc",
    "make ",
    "made ",
    "can be ",
    "share",
)
ASCII_LOOKALIKES = "\u0130\u0131\u017f\u212a"  # İ ı ſ and the Kelvin sign
ARTIFACTS = {  # what a release statement names, by kind
    "code": ("code", "source", "implementation", "software", "toolkit", "library", "scripts?"),
    "data": (
        "data", "dataset", "datasets", "corpus", "corpora", "annotations?", "benchmark", "treebank"
    ),
    "models": ("models?", "checkpoints?", "weights", "embeddings", "pre-?trained"),
}  # fmt: skip
RELEASED = {kind: _words(*words) for kind, words in ARTIFACTS.items()}
# All of `RELEASED` in one pattern, a group per kind, for a lower-cased text without
# `ASCII_LOOKALIKES`: there it finds the same words, in one pass instead of three.
_NAMED = re.compile(
    r"\b(?:" + "|".join(f"(?P<{k}>{'|'.join(words)})" for k, words in ARTIFACTS.items()) + r")\b"
)


def code_repositories(links: list[str]) -> list[str]:
    """`host/owner/repo` of every link to a code host, lower-cased host, without `.git`."""
    repositories = []
    for link in links:
        match = _REPOSITORY.match(link)
        if match:
            host, owner, repo = match.groups()
            repository = f"{host.lower()}/{owner}/{repo.removesuffix('.git')}"
            if repository not in repositories:
                repositories.append(repository)
    return repositories


def _release_starts(text: str) -> list[int]:
    """Where `_RELEASE` matches start, one at least in each sentence with a match: found
    from `RELEASE_STARTS` with `str.find`, much faster than a search."""
    if _has_lookalikes(text):
        return [match.start() for match in _RELEASE.finditer(text)]
    lowered = text.lower()  # as long as the text: no `İ`, which lowers to two characters
    return [
        i
        for start in RELEASE_STARTS
        if start in lowered
        for i in _find_all(lowered, start)
        if _RELEASE.match(text, i)
    ]


def _find_all(text: str, sub: str) -> Iterator[int]:
    """Every position of `sub` in `text`."""
    i = text.find(sub)
    while i >= 0:
        yield i
        i = text.find(sub, i + 1)


def _sentence_at(text: str, i: int) -> str:
    """The sentence (one of `_SENTENCE.split(text)`) that holds the non-blank at `i`."""
    end = _SENTENCE.search(text, i)
    start = _SENTENCE_REVERSED.search(text[::-1], len(text) - i)
    return text[len(text) - start.start() if start else 0 : end.start() if end else len(text)]


def releases(text: str, repositories: list[str]) -> dict[str, bool]:
    """Whether the text says code, data or models are (or will be) released.

    A sentence counts when it has a release word (`release`, `available`, `open-source`,
    `make ... public`, `can be found`) and names the artifact; a link to a code
    repository (see `code_repositories`) counts as releasing code.
    """
    sentences = {_sentence_at(text, i) for i in _release_starts(text)}
    if _has_lookalikes(text):
        found = {kind: any(map(pattern.search, sentences)) for kind, pattern in RELEASED.items()}
    else:
        named = {match.lastgroup for s in sentences for match in _NAMED.finditer(s.lower())}
        found = {kind: kind in named for kind in RELEASED}
    found["code"] |= bool(repositories)
    return found


def _has_lookalikes(text: str) -> bool:
    """The text holds one of `ASCII_LOOKALIKES`."""
    return not text.isascii() and any(c in text for c in ASCII_LOOKALIKES)
