"""Whitespace of an abstract: line ends, hard wraps, hyphens at line ends, blanks.

A hyphen before a line end (`distri-⏎bution`) or before a blank inside a line, as text
copied from a typeset page has it (`impor- tant`), is judged with a real word list
(wordfreq, see `words`): the two halves are joined where they make a word more frequent
than the hyphenated pair; a suspended hyphen (`high-⏎and low-resource`) keeps its blank.
"""

import re

from pipeline.core.words import is_word, zipf

_BLANKS = re.compile(r"[ \t\v\f]+")
_PARAGRAPHS = re.compile(r"\n(?: ?\n)+")
# A hyphen after a letter, then a line end (blanks around it) or one blank, then a word:
# found from its hyphen, a literal, which the search skips to; the word before it, all the
# letters before it (`[^\W\d_]+`), is read back by `_left`.
_HYPHEN_BREAK = re.compile(r"-(?<=[^\W\d_]-)( ?\n ?| )(?=([^\W\d_]+))")
# What follows a suspended hyphen: `high- and low-resource`, `pre- or post-training`, and
# French `intra- et inter-`.
SUSPENDED = frozenset(["and", "or", "nor", "to", "as", "but", "versus", "vs", "et", "ou"])
# Words that follow a dash of punctuation, never the second half of a compound:
# `the model- while`, `contexts- not`, `harm- rather than`, `systems- i.e.`.
_AFTER_DASH = frozenset({
    "while", "not", "that", "which", "who", "whose", "where", "when", "whereas", "but", "and",
    "or", "the", "a", "an", "of", "in", "on", "for", "with", "to", "from", "by", "is", "are",
    "was", "were", "be", "than", "rather", "after", "beyond", "those", "these", "such",
    "including", "especially", "namely", "because", "since", "unlike", "whether", "although",
    "though", "thus", "hence", "i", "e",
})  # fmt: skip
# Prefixes that make compounds with a capitalized word: `pro- Palestinian`, `non- English`.
_PREFIXES = frozenset({
    "pro", "anti", "non", "multi", "pre", "post", "co", "semi", "self", "cross", "inter",
    "intra", "sub", "super", "un", "re", "de", "bi", "tri", "mono", "meta", "neo", "pseudo",
    "quasi",
})  # fmt: skip
# A joined word must beat the hyphenated pair by this much (Zipf) at a line end, where the
# hyphen may be a compound's, and may trail it by this much inside a line, where a hyphen
# before a blank is typesetting's: `out- puts` -> `outputs`, `large- scale` stays.
_LINE_END_MARGIN, _TYPESET_MARGIN = 0.0, -1.5


def _hyphen(match: re.Match[str]) -> str:
    """What replaces one hyphen break's hyphen and blank, its right word looked at but not
    taken (it may break again).

    A suspended hyphen keeps its blank. Two halves are joined where they make a word
    frequent enough against the hyphenated pair (see the margins); else a compound is kept
    without the blank, but inside a line a dash of punctuation (`model- while`) and a
    phrase before a name (`LLMs- ChatGPT`) stay as written."""
    (gap, right), text = match.groups(), match.string
    left = _left(text, match.start())
    after = text[match.end() + len(right) : match.end() + len(right) + 1]
    typeset = "\n" not in gap
    if after == "-":  # a chain: `state-of- the-art`, `all- to-all`
        return "-"
    if right.lower() in SUSPENDED:
        return "- "
    if right[:1].isupper() and not (left.isupper() and right.isupper()):
        named = (left[:1].isupper() and not left.endswith("s")) or left.lower() in _PREFIXES
        return "-" if named or not typeset else match[0]
    margin = _TYPESET_MARGIN if typeset else _LINE_END_MARGIN
    if is_word(left + right) and zipf(left + right) > zipf(f"{left}-{right}") + margin:
        return ""
    return match[0] if typeset and right.lower() in _AFTER_DASH else "-"


def _left(text: str, end: int) -> str:
    """All the letters (`[^\\W\\d_]`) right before `end`: a hyphen break's left word."""
    start = end
    while start and text[start - 1].isalnum() and not text[start - 1].isdecimal():
        start -= 1
    return text[start:end]


def join_hyphens(text: str) -> str:
    """Resolve the hyphens before a line end or a blank (see the module's docstring):
    `distri-⏎bution` -> `distribution`, `impor- tant` -> `important`, `state-of-the-⏎art`
    -> `state-of-the-art`, `high-⏎and` -> `high- and`."""
    return _HYPHEN_BREAK.sub(_hyphen, text) if "- " in text or "-\n" in text else text


def fold_whitespace(text: str) -> str:
    """Fold whitespace: CRLF and CR become LF, hyphens at line ends are resolved
    (`join_hyphens`), hard-wrapped lines are joined, runs of blanks become one space,
    paragraph breaks exactly one `\\n`, and the ends are stripped."""
    if text.isprintable():  # one line, whose only blank is the space
        text = " ".join(text.split()) if "  " in text else text.strip(" ")
        return join_hyphens(text) if "- " in text else text
    text = _BLANKS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = (join_hyphens(p.strip()) for p in _PARAGRAPHS.split(text))
    return "\n".join(" ".join(line.strip() for line in p.split("\n")) for p in paragraphs if p)
