"""Cut a raw dump's bytes into abstract spans and reject spans.

Works on bytes, so that offsets are the raw file's own. Every structural
character (newline, blank, the marker) is ASCII, which UTF-8 and cp1252 keep
as single bytes, so the cuts never split a character.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.core.decode import WHITESPACE

# `Abstract:` (any case, blanks before the colon) opening a line, or `Abstract` alone on it.
MARKER = re.compile(
    rb"^[ \t]*(abstract(?:[ \t]*:|(?=[ \t\r\x0b\x0c]*$)))", re.IGNORECASE | re.MULTILINE
)
# A newline, then one or more lines holding only whitespace.
BLANK_LINES = re.compile(rb"\n(?:[ \t\r\x0b\x0c]*\n)+")
SENTENCE_END = ".!?;:)]\"'”’»…"


class Span(NamedTuple):
    """A half-open byte range; `reason` is None for an abstract, else a reject code."""

    start: int
    end: int
    reason: str | None


# What may surround a paragraph matched whole against a list of wordings.
FRAME = "[](){}<>|•·»«:.,;-–— "


def _any_of(patterns: tuple[str, ...]) -> re.Pattern:
    """One case-insensitive regex for any of `patterns` (none: matches nothing)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)", re.IGNORECASE)


def _says(wordings: re.Pattern, text: str) -> bool:
    """Whether `text` is one of `wordings`: whitespace folded, surrounding FRAME stripped."""
    return wordings.fullmatch(" ".join(text.split()).strip(FRAME)) is not None


@dataclass(frozen=True)
class Rules:
    """The knobs of segmentation (`parse:` in params.yaml)."""

    page_chrome: tuple[str, ...]
    placeholders: tuple[str, ...]
    max_fragment_words: int

    def __post_init__(self):
        object.__setattr__(self, "_chrome", _any_of(self.page_chrome))
        object.__setattr__(self, "_placeholders", _any_of(self.placeholders))

    def record(self, text: str) -> str | None:
        """The reject reason of a record whose text after its marker is `text`, or None.

        No letter or digit at all (`-`, `...`) is `empty_abstract`, before any wording."""
        if not any(c.isalnum() for c in text):
            return "empty_abstract"
        if _says(self._placeholders, text):
            return "placeholder"
        return None

    def noise(self, paragraph: str) -> str | None:
        """The reject reason of a trailing paragraph that is not abstract prose, or None."""
        if _says(self._chrome, paragraph):
            return "page_chrome"
        words = paragraph.split()
        if (
            words  # none: only Unicode blanks, such as a no-break space
            and "\n" not in paragraph
            and len(words) <= self.max_fragment_words
            and words[-1][-1] not in SENTENCE_END
            and all(w[0].isupper() for w in words)
        ):
            return "trailing_fragment"
        return None


def _extent(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The non-whitespace extent of data[start:end], if it has any."""
    chunk = data[start:end]
    stripped = chunk.lstrip(WHITESPACE)
    if stripped:
        first = end - len(stripped)
        yield first, first + len(stripped.rstrip(WHITESPACE))


def _paragraphs(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Non-whitespace extents of the blank-line-separated paragraphs in data[start:end]."""
    for blank in BLANK_LINES.finditer(data, start, end):
        yield from _extent(data, start, blank.start())
        start = blank.end()
    yield from _extent(data, start, end)


def segment(data: bytes, rules: Rules, decode: Callable[[bytes], str]) -> list[Span]:
    """Spans of `data`, in order, covering each non-whitespace byte exactly once.

    `decode` turns a paragraph's bytes into text, to judge whether it is prose.
    """
    markers = list(MARKER.finditer(data))
    spans = [
        Span(a, b, "outside_abstract")
        for a, b in _paragraphs(data, 0, markers[0].start(1) if markers else len(data))
    ]
    for i, marker in enumerate(markers):
        end = markers[i + 1].start(1) if i + 1 < len(markers) else len(data)
        paragraphs = list(_paragraphs(data, marker.end(1), end))
        noise = []
        while len(paragraphs) > 1:
            reason = rules.noise(decode(data[slice(*paragraphs[-1])]))
            if reason is None:
                break
            noise.append(Span(*paragraphs.pop(), reason))
        end = paragraphs[-1][1] if paragraphs else marker.end(1)
        reason = rules.record(decode(data[marker.end(1) : end]))
        spans.append(Span(marker.start(1), end, reason))
        spans.extend(reversed(noise))
    return spans
