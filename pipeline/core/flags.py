"""Quality flags of a clean abstract text: flag, never drop.

The text flags flag on evidence only, judged on real abstracts (`bench/text.py`): a complete
abstract may end without a period (on a URL, a keyword list, a formula) and may hold a name
that ends in `s` (`Buenos Aires`), so neither is a sign. Word frequencies come from `words`.
"""

import re

from pipeline.core import words
from pipeline.core.formulas import formulas
from pipeline.core.urls import URL

# What a text cannot end on: an ellipsis, or punctuation that opens more (ASCII and CJK).
_SENTENCE_END = ".!?"
_ELLIPSIS = ("...", "…")
_OPEN_ENDS = ",:;([{-–—，、：；（"
# Closed-class words that cannot end an English sentence: articles, prepositions,
# conjunctions, auxiliaries and possessive determiners, but for those that often do end
# one (`on`, `over`, `all`, `this`, `both`, `not`, `do`, `her`: `and so on`, `than humans do`).
_FUNCTION_WORDS = frozenset([
    "a", "an", "the",
    "of", "in", "to", "for", "with", "from", "by", "at", "into", "onto", "about", "between",
    "among", "through", "across", "via", "towards", "toward", "against", "during", "without",
    "within", "upon", "under", "than", "as",
    "and", "or", "but", "nor", "because", "although", "whereas", "whether", "if", "that",
    "which", "whose",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "does", "did",
    "will", "would", "can", "could", "shall", "should", "may", "might", "must",
    "their", "its", "our", "my", "your", "every",
])  # fmt: skip
# A last word cut short is much rarer than the most frequent word it begins, in zipf: `poli`
# 2.74 for `police` 5.33 (a gap of 2.59), `distri` 1.48 for `district` 5.04. Of the 213,348
# words that end a sentence in the corpora, 18 are that much rarer (French words, fragments);
# not `corpora` (2.36 for `corporate` 4.64: 2.28), `t` (2.30) nor `posit` (2.45). After an
# adverb in `-ly`, where an adjective or a participle is due, a smaller gap suffices:
# `publicly avail` (3.59 for `available` 5.28: 1.69), not `significantly differ` (1.56).
_CUT_GAP = 2.5
_CUT_GAP_AFTER_ADVERB = 1.6
# Traces of characters a scraper dropped: a `?` standing for a letter (found by the `?`, fast
# to search, then the letters around it), a contraction or a possessive that lost its
# apostrophe (`doesnt`, `about Metas Llama`).
_QUESTION_IN_WORD = re.compile(r"\?(?<=[^\W\d_]\?)([^\W\d_])")
CONTRACTIONS = frozenset(
    f"{verb}nt"
    for verb in [
        "do",
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
_CONTRACTION = re.compile(rf"(?<!\S){_EDGES}({'|'.join(sorted(CONTRACTIONS))}){_EDGES}(?!\S)")
_AFTER_CONTRACTION = "|".join(rf"(?<=\b{c})" for c in sorted(CONTRACTIONS))
_CONTRACTION_END = re.compile(rf"nt(?={_EDGES}(?!\S))(?:{_AFTER_CONTRACTION})")
# `dont` is also French (`la façon dont`): it counts in a text that holds ` the `.
_FRENCH_CONTRACTION = "dont"
# A possessive without its apostrophe: after one of `BEFORE_POSSESSIVE`, a capitalized `Xs`
# then a word that is neither a function word nor `et` (`Jans et al.`), where `X` is frequent
# and much more frequent than `Xs`, in zipf: `meta` 3.74 for `metas` 2.05 (a gap of 1.69),
# `google` 4.86 for `googles` 2.53. Not names in `s` (`hastings` 3.70 for `hasting` 1.65,
# `hawkes` 3.02 for `hawke` 3.10, `vegas` 4.42 for `vega` 3.42), nor `johns` 3.84 for `john`
# 5.38 (1.54), nor plurals of rare words (`gaussian` 2.94 for `gaussians` 1.35).
_CAPITALIZED_S = re.compile(r" ([A-Z][a-z]+)s (?=[^\W_])")
BEFORE_POSSESSIVE = frozenset(
    ["about", "of", "on", "for", "with", "by", "from", "in", "to", "at", "and", "than"]
)
_POSSESSOR_ZIPF = 3.5
_POSSESSIVE_GAP = 1.6


def is_truncated(text: str) -> bool:
    """The text stops before its end: on an ellipsis, on punctuation that opens more
    (`,`, `(`), inside a bracket (`PSNR (35.11 dB vs. 35.56 dB`), on a function word (`the
    results of the`) or on a word cut short (`we propose a distri`); not on a URL, a number,
    a closed bracket, a name or any other word."""
    tail = text.rstrip()
    if not tail or tail.endswith(_ELLIPSIS) or tail[-1] in _OPEN_ENDS:
        return True
    if tail[-1] in _SENTENCE_END:  # most texts
        return False
    if tail.rfind("(") > tail.rfind(")"):
        return True
    if not tail[-1].islower():  # a URL's `/`, a digit, a capital, a closing bracket, `。`
        return False
    *before, last = tail.rsplit(None, 2)[-2:]
    if not (last.isalpha() and last.islower()):
        return False
    return last in _FUNCTION_WORDS or _is_cut_short(last, before[0] if before else "")


def _is_cut_short(word: str, previous: str) -> bool:
    """`word` (lower-case letters) is much rarer than the most frequent word it begins."""
    gap = _CUT_GAP_AFTER_ADVERB if previous.endswith("ly") else _CUT_GAP
    return words.extension_zipf(word) - words.zipf(word) >= gap


def has_lost_characters(text: str) -> bool:
    """The text probably lost characters in scraping: a replacement character, a `?` for a
    letter (`Stein?s`), a contraction or a possessive without apostrophe (`doesnt`, `about
    Metas Llama`)."""
    return (
        "\ufffd" in text
        or _has_question_in_word(text)
        or _has_contraction(text)
        or _has_possessive(text)
    )


def _has_question_in_word(text: str) -> bool:
    """A `?` between a letter and a lower-case letter, outside URLs (`Stein?s`, `na?ve`),
    not a question without its blank (`sampling?For`)."""
    if "?" not in text or not _QUESTION_IN_WORD.search(text):
        return False
    return any(m[1].islower() for m in _QUESTION_IN_WORD.finditer(URL.sub(" ", text)))


def _has_contraction(text: str) -> bool:
    """A word, stripped of `_WORD_EDGES` and lower-cased, is in `CONTRACTIONS` (`doesnt`)."""
    lowered = text.lower()  # the same words as lower-casing each: blanks and edges stay
    if not _CONTRACTION_END.search(lowered):
        return False
    return any(
        m[1] != _FRENCH_CONTRACTION or " the " in lowered for m in _CONTRACTION.finditer(lowered)
    )


def _has_possessive(text: str) -> bool:
    """A possessive without its apostrophe (`about Metas Llama`), as `_CAPITALIZED_S` says."""
    for match in _CAPITALIZED_S.finditer(text):
        if text[text.rfind(" ", 0, match.start()) + 1 : match.start()] not in BEFORE_POSSESSIVE:
            continue
        stop = text.find(" ", match.end())
        following = text[match.end() : stop if stop >= 0 else None].strip(_WORD_EDGES).lower()
        if following not in _FUNCTION_WORDS and following != "et" and _is_possessor(match[1]):
            return True
    return False


def _is_possessor(word: str) -> bool:
    """`word` is frequent, and much more frequent than `word` + `s`: `Meta`, not `John`."""
    zipf = words.zipf(word)
    return zipf >= _POSSESSOR_ZIPF and zipf - words.zipf(word + "s") >= _POSSESSIVE_GAP


def length_flags(n_words, min_words: int, max_words: int) -> tuple:
    """(too short, too long) for an abstract of `n_words` words (or a numpy array of counts:
    then arrays of flags)."""
    return n_words < min_words, n_words > max_words


def has_math(text_raw: str) -> bool:
    """The raw text holds LaTeX math (`$...$`, `\\(...\\)`) that normalization renders."""
    return next(formulas(text_raw), None) is not None
