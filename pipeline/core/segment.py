"""Cut a raw dump's bytes into abstract spans and reject spans.

Works on bytes, so that offsets are the raw file's own. Every structural
character (newline, blank, the marker) is ASCII, which UTF-8 and cp1252 keep
as single bytes, so the cuts never split a character.
"""

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.decode import WHITESPACE, cut, decode

# `Abstract:` (any case, blanks before the colon) opening a line, or `Abstract` alone on it.
MARKER = re.compile(
    rb"^[ \t]*(abstract(?:[ \t]*:|(?=[ \t\r\x0b\x0c]*$)))", re.IGNORECASE | re.MULTILINE
)
# A newline, then one or more lines holding only whitespace.
BLANK_LINES = re.compile(rb"\n(?:[ \t\r\x0b\x0c]*\n)+")
SENTENCE_END = ".!?;:)]\"'”’»…"
_CLOSING = ")]\"'”’»"  # what may follow a sentence's final stop


class Span(NamedTuple):
    """A half-open byte range; `reason` is None for an abstract, else a reject code. A
    record's span and its `field` spans carry the record's number (its marker's, from 0)."""

    start: int
    end: int
    reason: str | None
    record: int | None = None


# What may surround a paragraph matched whole against a list of wordings.
FRAME = "[](){}<>|•·»«:.,;-–— "
# A letter or digit (`str.isalnum`: a word character but `_`), found faster than by a loop.
_ALNUM = re.compile(r"[^\W_]")


def _any_of(patterns: tuple[str, ...], repeated: bool = False) -> re.Pattern:
    """One case-insensitive regex for any of `patterns` (none: matches nothing); `repeated`,
    for one or more of them in a row, parted by FRAME characters (`Download PDF | Cite`)."""
    one = "|".join(f"(?:{p})" for p in patterns) or "(?!)"
    if repeated:
        one = f"(?:{one})(?:[{re.escape(FRAME)}]+(?:{one}))*"
    return re.compile(one, re.IGNORECASE)


def _framed(text: str) -> str:
    """`text` as wordings are matched against it: whitespace folded, surrounding FRAME
    stripped."""
    return " ".join(text.split()).strip(FRAME)


def _says(wordings: re.Pattern, text: str) -> bool:
    """Whether `text` is one of `wordings`."""
    return wordings.fullmatch(_framed(text)) is not None


@dataclass(frozen=True)
class Rules:
    """The knobs of segmentation (`parse:` in params.yaml)."""

    page_chrome: tuple[str, ...]
    placeholders: tuple[str, ...]
    max_fragment_words: int
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, label patterns)

    def __post_init__(self):
        object.__setattr__(self, "_chrome", _any_of(self.page_chrome, repeated=True))
        object.__setattr__(self, "_placeholders", _any_of(self.placeholders))
        labels = "|".join(f"(?P<{column}>{'|'.join(p)})" for column, p in self.fields) or "(?!)"
        line = rf"^[ \t]*(?:{labels})[ \t]*:"
        object.__setattr__(self, "_field_line", re.compile(line.encode(), re.I | re.M))
        object.__setattr__(self, "_field", re.compile(rf"{line}(?P<value>.*)\Z", re.I | re.S))

    def field(self, line: str) -> tuple[str, str | None]:
        """The column of a `field` line and its value (whitespace folded; None if empty)."""
        match = self._field.match(line)
        column = next(name for name, value in match.groupdict().items() if value is not None)
        return column, " ".join(match["value"].split()) or None

    def record(self, text: str) -> str | None:
        """The reject reason of a record whose text after its marker is `text`, or None.

        No letter or digit at all (`-`, `...`) is `empty_abstract`, before any wording."""
        return self._judged(_framed(text))

    def records(self, data: bytes, starts: list[int], ends: list[int]) -> list[str | None]:
        """`record` of the text of each data[start:end], those that `_folded` folds in a
        compiled pass not folded again."""
        found = zip(_folded(data, starts, ends), starts, ends, strict=True)
        return [
            self.record(_text(data[a:b])) if framed is None else self._judged(framed)
            for framed, a, b in found
        ]

    def _judged(self, framed: str) -> str | None:
        """`record` of a text seen as `_framed` (which drops no letter or digit)."""
        if not _ALNUM.search(framed):
            return "empty_abstract"
        return "placeholder" if self._placeholders.fullmatch(framed) else None

    def junk(self, paragraph: str) -> bool:
        """Page furniture wherever it stands after a record's first paragraph: one or more
        of `page_chrome` (`Download PDF  Cite this paper`, `<<<< page 2 of 2 >>>>`, a
        copyright line), or symbols with no letter or digit (a rule: `* * *`)."""
        symbols = paragraph.strip() and not _ALNUM.search(paragraph)
        return bool(symbols) or _says(self._chrome, paragraph)

    def noise(self, paragraph: str) -> str | None:
        """The reject reason of a trailing paragraph that is not abstract prose, or None."""
        if self.junk(paragraph):
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


def _text(raw: bytes) -> str:
    return decode(raw)[0]


def _folded(data: bytes, starts: list[int], ends: list[int]) -> list[str | None]:
    """Each data[start:end] `_framed`, whitespace folded in one compiled pass; None where
    that pass cannot tell: a span that is not UTF-8 (its text is cp1252's) or holds a space
    beyond ASCII's."""
    from pipeline.core import utf8  # numba: only where records are judged (parse imports it)

    spans = cut(data, starts, ends)
    judged = np.flatnonzero(utf8.splits_as_ascii(spans))
    folded = utf8.fold(spans.take(judged).view(pa.large_string()))
    texts = np.full(len(starts), None, object)
    texts[judged] = pc.utf8_trim(pc.replace_substring(folded, "\n", " "), FRAME).to_pylist()
    return texts.tolist()


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


def _units(data: bytes, start: int, end: int, rules: Rules, prose: bool = True) -> list:
    """(start, end, is a field) of data[start:end]: its paragraphs, each parted at its field
    lines. After a record's marker (`prose`), a label with no blank after its colon is a
    field only where it opens its paragraph or follows a line that ends a sentence, a field,
    or is no prose (furniture, a lone name): inside hard-wrapped prose (`(Kim and Linzen,
    2020)⏎arXiv:2010.05465 reports`) it is prose, while `DOI: 10.1/x` under a copy cut
    off mid-word is a field. A field runs on over the lines after it that are neither a
    field nor furniture (a hard-wrapped `Keywords:` line)."""
    units = []
    for a, b in _paragraphs(data, start, end):
        if not rules._field_line.search(data, a, b):  # the common case: no field at all
            units.append((a, b, False))
            continue
        here, ended = len(units), True
        for line in _lines(data, a, b):
            text = _text(data[slice(*line)])
            line_start = data.rfind(b"\n", 0, line[0]) + 1  # blanks before a label too
            label = rules._field_line.match(data, line_start, line[1])
            field = label is not None and (ended or data[label.end() : label.end() + 1] in b" \t")
            goes_on = len(units) > here and units[-1][2] and not rules.junk(text)
            if len(units) > here and not field and (goes_on or not units[-1][2]):
                units[-1] = (units[-1][0], line[1], units[-1][2])
            else:
                units.append((*line, field))
            stop = text.rstrip(_CLOSING)[-1:] in (".", "!", "?", "…")
            ended = not prose or field or stop or rules.noise(text) is not None
    return units


def _lines(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The non-whitespace extents of the lines of data[start:end]."""
    for line in re.finditer(rb"[^\n]+", data[start:end]):
        yield from _extent(data, start + line.start(), start + line.end())


def _preceding(data: bytes, units: list[tuple[int, int, bool]], after: int) -> int:
    """How many of the last `units` are fields that precede the next record: those of the
    trailing run of fields that stand after its last blank line (`after`: where the
    record's text ends)."""
    k = len(units)
    while k and units[k - 1][2]:
        k -= 1
    for first in range(len(units) - 1, k - 1, -1):
        before = units[first - 1][1] if first else after
        if BLANK_LINES.search(data, before, units[first][0]):
            return len(units) - first
    return 0


def segment(data: bytes, rules: Rules) -> list[Span]:
    """Spans of `data`, in order, covering each non-whitespace byte exactly once.

    A record runs from its marker to the next. Its text ends at its first field line or at
    the first paragraph of page furniture after its first paragraph; trailing paragraphs
    that are no prose (`Rules.noise`) are rejects too, and so is what follows page
    furniture.
    """
    markers = list(_at_line_starts(MARKER, data))
    first = markers[0].start(1) if markers else len(data)
    units = _units(data, 0, first, rules, prose=False)  # fields: the first record's
    spans = [
        Span(a, b, "field", 0) if field and markers else Span(a, b, "outside_abstract")
        for a, b, field in units
    ]
    opens = [marker.start(1) for marker in markers]
    starts = [marker.end(1) for marker in markers]
    ends, cuts = _records(data, starts, [*opens, len(data)][1:], rules)
    reasons = rules.records(data, starts, ends)
    spans += map(Span, opens, ends, reasons, range(len(markers)))
    for i, (_, rest) in cuts.items():  # the units after a record's text, if not plain
        ahead = _preceding(data, rest, ends[i]) if i + 1 < len(markers) else 0
        for k, (a, b, field) in enumerate(rest):
            if field:
                spans.append(Span(a, b, "field", i + 1 if k >= len(rest) - ahead else i))
            else:
                spans.append(Span(a, b, rules.noise(_text(data[a:b])) or "outside_abstract"))
    return sorted(spans, key=itemgetter(0)) if cuts else spans


def _records(data: bytes, starts: list[int], bounds: list[int], rules: Rules):
    """Where the text of each record (data[start:bound] after its marker) ends, and by
    number, the text units and the units after them (`_cut`) of each that is not plain. A
    plain record's text is its one paragraph (its non-whitespace extent, found in a compiled
    pass), the first, which no rule judges; it has no field to end at, and nothing after."""
    from pipeline.core import utf8  # numba: only where records are cut (parse imports it)

    left, right = np.array(starts, np.int64), np.array(bounds, np.int64)
    lead, trail, blank = utf8.extents(cut(data, left, right))
    empty = left + lead >= right - trail  # an empty extent stands where the text starts
    firsts, ends = np.where(empty, left, left + lead), np.where(empty, left, right - trail)
    plain = ~blank & ~_overlapped(data, firsts, ends, rules)
    cuts = {
        i: _cut(data, _units(data, starts[i], bounds[i], rules), rules)
        for i in np.flatnonzero(~plain).tolist()
    }
    for i, (body, _) in cuts.items():
        ends[i] = body[-1][1] if body else starts[i]
    return ends.tolist(), cuts


def _overlapped(data: bytes, starts: np.ndarray, ends: np.ndarray, rules: Rules) -> np.ndarray:
    """Whether a field line of `data` overlaps each extent [start, end) (in order, apart)."""
    lines = [(m.start(), m.end()) for m in _at_line_starts(rules._field_line, data)]
    first, last = np.array(lines, np.int64).reshape(-1, 2).T
    inside = np.zeros(len(starts) + 1, np.int64)
    np.add.at(inside, ends.searchsorted(first, "right"), 1)
    np.add.at(inside, starts.searchsorted(last, "left"), -1)
    return np.cumsum(inside[:-1]) > 0


def _at_line_starts(pattern: re.Pattern, data: bytes) -> Iterator[re.Match]:
    """The matches of `pattern` (`^` then the rest, multi-line) in `data`, each after the
    first one with the newline before it: `re` finds a first byte that is a literal fast,
    while it tries `^` at every byte."""
    first = pattern.match(data)
    return chain([first] if first else [], _after_newline(pattern).finditer(data))


@functools.cache
def _after_newline(pattern: re.Pattern) -> re.Pattern:
    """`pattern`, which starts with `^`, with a newline in place of the `^`."""
    return re.compile(b"\n" + pattern.pattern.removeprefix(b"^"), pattern.flags)


def _cut(data: bytes, units: list, rules: Rules):
    """A record's units parted into its text's and the rest: the text stops before the
    first field line, before the first paragraph of page furniture after the first, and
    before its trailing paragraphs that are no prose."""
    body = []
    for k, (a, b, field) in enumerate(units):
        if field or (body and rules.junk(_text(data[a:b]))):
            return _trimmed(data, body, units[k:], rules)
        body.append((a, b, field))
    return _trimmed(data, body, [], rules)


def _trimmed(data: bytes, body: list, rest: list, rules: Rules):
    """`body` without its trailing paragraphs that are no prose, which go before `rest`."""
    while len(body) > 1 and rules.noise(_text(data[slice(*body[-1][:2])])):
        rest.insert(0, body.pop())
    return body, rest
