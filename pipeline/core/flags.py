"""Quality flags of a clean abstract text: flag, never drop."""

import re

from pipeline.core.normalize import render_math
from pipeline.core.urls import URL

# After the last sentence: closing quotes, brackets and trailing blanks.
_CLOSERS = "\"'”’)]}»"
_SENTENCE_END = ".!?"
_ELLIPSIS = ("...", "…")
# Traces of characters a scraper dropped: the replacement character, a `?` standing for a
# letter, a contraction or a possessive that lost its apostrophe (`doesnt`, `about Metas Llama`).
_QUESTION_IN_WORD = re.compile(r"[A-Za-z]\?[A-Za-z]")
_CONTRACTIONS = frozenset(
    f"{verb}nt"
    for verb in [
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "ca",
        "could",
        "would",
        "should",
        "has",
        "have",
        "had",
        "wo",
    ]
)
_POSSESSIVE = re.compile(r"(?<= )[A-Z][a-z]*[aeio]s (?=[A-Z])")
_BEFORE_POSSESSIVE = frozenset(
    ["about", "of", "on", "for", "with", "by", "from", "in", "to", "at", "and", "than"]
)
_WORD_EDGES = ".,;:!?()[]\"'“”‘’"


def is_truncated(text: str) -> bool:
    """The text stops before its end: its last sentence has no closing punctuation."""
    tail = text.rstrip(_CLOSERS + " ")
    return not tail or tail.endswith(_ELLIPSIS) or tail[-1] not in _SENTENCE_END


def has_lost_characters(text: str) -> bool:
    """The text probably lost characters in scraping (`Metas Llama` for `Meta's Llama`)."""
    if "\ufffd" in text or ("?" in text and _QUESTION_IN_WORD.search(URL.sub(" ", text))):
        return True
    if not _CONTRACTIONS.isdisjoint(w.strip(_WORD_EDGES).lower() for w in text.split()):
        return True
    for match in _POSSESSIVE.finditer(text):
        end = match.start() - 1  # the blank before the capitalized word
        if text[text.rfind(" ", 0, end) + 1 : end] in _BEFORE_POSSESSIVE:
            return True
    return False


def length_flags(n_words: int, min_words: int, max_words: int) -> tuple[bool, bool]:
    """(too short, too long) for an abstract of `n_words` words."""
    return n_words < min_words, n_words > max_words


def has_math(text_raw: str) -> bool:
    """The raw text holds LaTeX math (`$...$`, `\\(...\\)`) that normalization renders."""
    return render_math(text_raw) != text_raw
