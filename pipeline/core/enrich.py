"""What users ask of an abstract besides its text: counts, links, release statements."""

import re

from pipeline.core.urls import CODE_HOSTS

_REPOSITORY = re.compile(
    r"(?:https?://)?(?:www\.)?(" + "|".join(map(re.escape, CODE_HOSTS)) + r")/"
    r"([\w.-]+)/([\w.-]+)",
    re.IGNORECASE,
)
SENTENCE_STOPS = ".!?"
# A sentence ends at blanks after one of `SENTENCE_STOPS` and before a capital letter.
_SENTENCE = re.compile(rf"(?<=[{SENTENCE_STOPS}])\s+(?=[A-Z])")
# The same breaks read right to left, in the reversed text.
_SENTENCE_REVERSED = re.compile(rf"(?<=[A-Z])\s+(?=[{SENTENCE_STOPS}])")


def _words(*words: str) -> re.Pattern[str]:
    """Any of the words (regular expressions, each starting with a letter or a group of
    words that do), whole words, in any case.

    The lookahead of their first letters changes no match: it makes the search fail fast.
    """
    first_letters = "".join(sorted({re.search("[a-z]", word)[0] for word in words}))
    return re.compile(rf"(?=[{first_letters}])\b(?:{'|'.join(words)})\b", re.IGNORECASE)


# What a release statement says (whole words, lower-case), or `make`, at most `PUBLIC_GAP`
# words, then `public`; and what it names, by kind.
RELEASE_PHRASES = (
    "release", "released", "releasing", "available", "share", "shares", "shared",
    "open-source", "open-sourced", "open-sourcing", "open source", "open sourced",
    "open sourcing", "can be found", "can be downloaded", "can be accessed",
)  # fmt: skip
PUBLIC_VERBS, PUBLIC_WORD, PUBLIC_GAP = ("make", "made"), "public", 4
ARTIFACTS = {
    "code": (
        "code", "source", "implementation", "software", "toolkit", "library", "script",
        "scripts",
    ),
    "data": (
        "data", "dataset", "datasets", "corpus", "corpora", "annotation", "annotations",
        "benchmark", "treebank",
    ),
    "models": (
        "model", "models", "checkpoint", "checkpoints", "weights", "embeddings", "pretrained",
        "pre-trained",
    ),
}  # fmt: skip
_PUBLIC = rf"(?:{'|'.join(PUBLIC_VERBS)}) (?:\w+ ){{0,{PUBLIC_GAP}}}{PUBLIC_WORD}"
_RELEASE = _words(*map(re.escape, RELEASE_PHRASES), _PUBLIC)
ASCII_LOOKALIKES = "\u0130\u0131\u017f\u212a"  # İ ı ſ and the Kelvin sign: see `re.IGNORECASE`
RELEASED = {kind: _words(*map(re.escape, words)) for kind, words in ARTIFACTS.items()}
# All of `RELEASED` in one pattern, a group per kind, for a lower-cased text without
# `ASCII_LOOKALIKES`: there it finds the same words, in one pass instead of three.
_NAMED = re.compile(
    r"\b(?:"
    + "|".join(f"(?P<{k}>{'|'.join(map(re.escape, words))})" for k, words in ARTIFACTS.items())
    + r")\b"
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
    sentences = {_sentence_at(text, match.start()) for match in _RELEASE.finditer(text)}
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
