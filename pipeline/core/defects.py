"""Defects of a clean abstract text that a better copy of it may not have.

Dedup ranks an abstract's copies by their defects before their length (see
`pipeline.stages.dedup.RANK`): a longer copy wins only among copies as clean.
"""

import re

from pipeline.core.formulas import VERBATIM
from pipeline.core.whitespace import SUSPENDED

# The kinds of defect, one bit each in `defects`.
TEX_DEBRIS = 1  # a `\command` or `\-` left outside a formula kept verbatim
ALL_CAPS = 2  # mostly upper-case letters
HYPHENATION = 4  # a word cut by a hyphen and a blank: `AUTO- REGRESSIVE`, `impor- tant`
KINDS = {"tex_debris": TEX_DEBRIS, "all_caps": ALL_CAPS, "hyphenation": HYPHENATION}

_COMMAND = re.compile(r"\\(?:[A-Za-z]+|-)")
# Upper-case letters are at most 34% of the letters of the 18,672 abstracts of the ACL
# corpus (99.9% of them under 19%), and 99% or more in an upper-cased copy.
_CAPS_SHARE = 0.5
_NOT_ASCII_LOWER = bytes(b for b in range(256) if not ord("a") <= b <= ord("z"))
# A letter, a hyphen, a blank and a letter, unless the hyphen is suspended (`high- and
# low-resource`, `first- as well as second-order`): found from its `- `, a literal the
# search skips to, the letter before it looked behind at.
_HYPHEN_BLANK = re.compile(
    rf"- (?<=[^\W\d_]- )(?!(?:{'|'.join(sorted(SUSPENDED))}|as well)\b)[^\W\d_]",
    re.IGNORECASE,
)


def defects(text: str) -> int:
    """The kinds of defect found in a clean text, as a bitmask of `KINDS` (0: none)."""
    found = TEX_DEBRIS if has_tex_debris(text) else 0
    found |= ALL_CAPS if is_all_caps(text) else 0
    return found | (HYPHENATION if has_hyphenation(text) else 0)


def has_tex_debris(text: str) -> bool:
    """A TeX command (`\\emph`, `\\cite`) or discretionary hyphen `\\-` outside the formulas
    kept verbatim (`$\\alpha$`, `\\(x\\)`, `\\begin{equation}...\\end{equation}`)."""
    return "\\" in text and _COMMAND.search(VERBATIM.sub(" ", text)) is not None


def is_all_caps(text: str) -> bool:
    """More than half of the letters are upper-case."""
    # When lower-case ASCII letters are half the text, upper-case ones cannot be more.
    if 2 * len(text.encode().translate(None, _NOT_ASCII_LOWER)) >= len(text):
        return False
    upper = sum(map(str.isupper, text))
    return upper > _CAPS_SHARE * sum(map(str.isalpha, text))


def has_hyphenation(text: str) -> bool:
    """A word cut at a line end and joined with a blank (`impor- tant`), not a suspended
    hyphen (`high- and low-resource`)."""
    return "- " in text and _HYPHEN_BLANK.search(text) is not None
