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
_WORD_EDGES = ".,;:!?()[]\"'“”‘’"
_EDGES = f"[{re.escape(_WORD_EDGES)}]*"
# In lower-cased text: a word that is a contraction once stripped of `_WORD_EDGES`, and a
# faster test, true wherever that one matches: a contraction that ends a word, found by `nt`.
_CONTRACTION = re.compile(rf"(?<!\S){_EDGES}(?:{'|'.join(sorted(_CONTRACTIONS))}){_EDGES}(?!\S)")
_AFTER_CONTRACTION = "|".join(rf"(?<=\b{c})" for c in sorted(_CONTRACTIONS))
_CONTRACTION_END = re.compile(rf"nt(?={_EDGES}(?!\S))(?:{_AFTER_CONTRACTION})")
# A possessive without its apostrophe: after a blank, a capitalized word ending in a vowel and
# `s`, then a blank and a capitalized word. Found by its end, whose literal `s ` is fast to
# search, then its start.
_POSSESSIVE_END = re.compile(r"s (?<=[aeio]s )(?=[A-Z])")
_CAPITALIZED = re.compile(r"[A-Z][a-z]+")
_BEFORE_POSSESSIVE = frozenset(
    ["about", "of", "on", "for", "with", "by", "from", "in", "to", "at", "and", "than"]
)


def is_truncated(text: str) -> bool:
    """The text stops before its end: its last sentence has no closing punctuation."""
    tail = text.rstrip(_CLOSERS + " ")
    return not tail or tail.endswith(_ELLIPSIS) or tail[-1] not in _SENTENCE_END


def has_lost_characters(text: str) -> bool:
    """The text probably lost characters in scraping (`Metas Llama` for `Meta's Llama`)."""
    if "\ufffd" in text or ("?" in text and _QUESTION_IN_WORD.search(URL.sub(" ", text))):
        return True
    return _has_contraction(text) or _has_possessive(text)


def _has_contraction(text: str) -> bool:
    """A word, stripped of `_WORD_EDGES` and lower-cased, is in `_CONTRACTIONS` (`doesnt`)."""
    lowered = text.lower()  # the same words as lower-casing each: blanks and edges stay
    return bool(_CONTRACTION_END.search(lowered) and _CONTRACTION.search(lowered))


def _has_possessive(text: str) -> bool:
    """A possessive without its apostrophe after one of `_BEFORE_POSSESSIVE` (`about Metas`)."""
    for match in _POSSESSIVE_END.finditer(text):
        start = text.rfind(" ", 0, match.start()) + 1  # of the word, if a blank is before it
        if (
            start
            and _CAPITALIZED.fullmatch(text, start, match.start())
            and text[text.rfind(" ", 0, start - 1) + 1 : start - 1] in _BEFORE_POSSESSIVE
        ):
            return True
    return False


def length_flags(n_words, min_words: int, max_words: int) -> tuple:
    """(too short, too long) for an abstract of `n_words` words (or a numpy array of counts:
    then arrays of flags)."""
    return n_words < min_words, n_words > max_words


def has_math(text_raw: str) -> bool:
    """The raw text holds LaTeX math (`$...$`, `\\(...\\)`) that normalization renders."""
    return render_math(text_raw) != text_raw
