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
# A word, a hyphen, then a line end (blanks around it) or one blank, then a word.
_HYPHEN_BREAK = re.compile(r"([^\W\d_]+)-( ?\n ?| )(?=([^\W\d_]+))")
# What follows a suspended hyphen: `high- and low-resource`, `pre- or post-training`.
_SUSPENDED = frozenset(["and", "or", "nor", "to", "as", "but", "versus", "vs"])


def _hyphen(match: re.Match[str]) -> str:
    """One hyphen break, its right word looked at but not taken (it may break again).

    Inside a line, a hyphen and a blank before a lower-case word is typeset hyphenation
    (`impor- tant`): joined where the halves make a word. At a line end it may as well be a
    compound wrapped at its hyphen: joined only where the word is more frequent than the
    hyphenated pair (`process-ing`, not `self-supervised`). A break before a capital
    (`LLMs- ChatGPT`) keeps its blank inside a line."""
    left, gap, right = match.groups()
    if right.lower() in _SUSPENDED:
        return f"{left}- "
    if not (right[:1].islower() or (left.isupper() and right.isupper())):
        return f"{left}-" if "\n" in gap else match[0]
    joined, typeset = left + right, "\n" not in gap
    if is_word(joined) and (typeset or zipf(joined) > zipf(f"{left}-{right}")):
        return left
    return f"{left}-"


def join_hyphens(text: str) -> str:
    """Resolve the hyphens before a line end or a blank (see the module's docstring):
    `distri-⏎bution` -> `distribution`, `impor- tant` -> `important`, `state-of-the-⏎art`
    -> `state-of-the-art`, `high-⏎and` -> `high- and`."""
    return _HYPHEN_BREAK.sub(_hyphen, text) if "-" in text else text


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
