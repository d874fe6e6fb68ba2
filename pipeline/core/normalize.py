"""Turn an abstract's raw span (`text_raw`) into its clean `text`.

Each rule is a small pure function; `clean` composes them in order and `normalize`
first strips the `Abstract:` marker. The Unicode repair is here; LaTeX is rendered by
`texmode` (and `formulas`), whitespace and line-end hyphens folded by `whitespace`. Slow
paths (ftfy, the LaTeX renderer) only run when a cheap test says they may change something.
"""

import functools
import html
import re
import unicodedata

from ftfy import TextFixerConfig, fix_text

from pipeline.core.texmode import render_latex, restore, shelter
from pipeline.core.whitespace import fold_whitespace

# `Abstract:` (any case, blanks before the colon), or `Abstract` alone on its line.
_MARKER = re.compile(r"\A\s*abstract(?:[ \t]*:|[ \t]*(?=\r|\n|\Z))\s*", re.IGNORECASE)


def strip_marker(text: str) -> str:
    """Remove the leading `Abstract:` marker and the blanks after it."""
    marker = _MARKER.match(text)
    return text[marker.end() :] if marker else text


# --- Unicode repair -------------------------------------------------------------------------

# Only entities closed by `;`, so that `R&D`, `AT&T` and `?a=1&lt=2` stay.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape_html(text: str) -> str:
    """Decode HTML entities (`&amp;`, `&#39;`, `&nbsp;`), double-escaped ones included."""
    while "&" in text:
        decoded = _ENTITY.sub(lambda m: html.unescape(m[0]), text)
        if decoded == text:
            break
        text = decoded
    return text


# Characters that UTF-8 read as cp1252/latin-1 leaves behind (`Ã©`, `â€™`, `Â `, C1 controls).
_MOJIBAKE_HINT = re.compile("[\x80-\x9f\u00c2\u00c3]|\u00e2\u20ac")
_FTFY = TextFixerConfig(
    unescape_html=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization="NFC",
    explain=False,
)


@functools.lru_cache(maxsize=1)
def _printable(text: str) -> bool:
    """`text.isprintable()`, remembered: the rules in a row ask it of the same text."""
    return text.isprintable()


def fix_mojibake(text: str) -> str:
    """Repair mojibake (`â€™` -> `’`, `Ã©` -> `é`) with ftfy, only if the text hints at it.

    ftfy is told to leave alone what other rules own or what must stay: quotes stay curly,
    ligatures and full-width forms stay, line breaks and controls are left to later rules.
    """
    if text.isascii() or not _hints_mojibake(text):
        return text
    return fix_text(text, _FTFY)


def _hints_mojibake(text: str) -> bool:
    """`_MOJIBAKE_HINT` is in the text. Without C1 controls, which are not printable, the
    search is three much faster ones."""
    if _printable(text):
        return "\u00c2" in text or "\u00c3" in text or "\u00e2\u20ac" in text
    return _MOJIBAKE_HINT.search(text) is not None


# C0/C1 controls but the whitespace ones (folded later), DEL, soft hyphen, zero-width space,
# word joiner, BOM.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff]")
# A soft hyphen after a blank, before a letter: no break inside a word, but a hyphen that a
# PDF's text layer encoded so, its blank too (`state \xadof \xadthe \xadart`).
_SOFT_HYPHEN_AS_HYPHEN = re.compile("[ \t]+\u00ad(?=[^\\W\\d_])")
# ZWNJ and ZWJ, unless alone between two non-ASCII characters: Persian, Indic scripts and
# emoji sequences need them there.
_JOINER = re.compile(
    "(?<![^\x00-\x7f\\s\u200c\u200d])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f\\s\u200c\u200d])"
)


def remove_invisible(text: str) -> str:
    """Remove control characters (except whitespace) and zero-width characters; a soft
    hyphen after a blank is a hyphen (`state \xadof` -> `state-of`)."""
    if _printable(text):  # no control, format or exotic space character at all
        return text
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_AS_HYPHEN.sub("-", text)
    text = _INVISIBLE.sub("", text)
    return _JOINER.sub("", text) if "\u200c" in text or "\u200d" in text else text


_EXOTIC_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def normalize_spaces(text: str) -> str:
    """Turn non-breaking and other exotic spaces into a plain space, Unicode line breaks into
    newlines."""
    if _printable(text):
        return text
    return _EXOTIC_SPACE.sub(" ", text).replace("\u2028", "\n").replace("\u2029", "\n\n")


# A combining mark after a blank, and the characters on either side: an accent that a
# PDF's text layer set apart from its letter (`Jo ̈rg`, `G ̈ardenfors`, `Na ̈ıve`).
_DETACHED = re.compile("(\\S?) ([\u0300-\u036f])(\\S?)")
# Dotless letters, which take an accent in print: `ı` + U+0308 is `ï`.
_DOTTED = {"ı": "i", "ȷ": "j"}
_VOWELS = frozenset("aeiouyAEIOUY")


def attach_marks(text: str) -> str:
    """Put each combining mark that stands after a blank back on its letter: the one before
    it (`Jo ̈rg` -> `Jörg`) or after it (`G ̈ardenfors` -> `Gärdenfors`, `Na ̈ıve` ->
    `Naïve`), whichever it composes with (NFC); if both, the one that makes the more
    frequent word (`Nin ̃o` -> `Niño`), then a vowel, then the one after. The blank goes
    unless it parts a letter from a symbol (`n ̸→` -> `n ↛`); a mark that composes with
    neither stays as it is."""
    if text.isascii() or _DETACHED.search(text) is None:
        return text
    return _DETACHED.sub(_attach, text)


def _attach(match: re.Match[str]) -> str:
    before, mark, after = match.groups()
    after = _DOTTED.get(after, after)
    on_before, on_after = _composed(before, mark), _composed(after, mark)
    if on_before and on_after:
        from pipeline.core.words import zipf

        text, start, end = match.string, match.start(), match.end()
        left = re.search(r"[^\W\d_]*\Z", text[:start])[0]
        right = re.match(r"[^\W\d_]*", text[end:])[0]
        rated = [zipf(left + word + right) for word in (on_before + after, before + on_after)]
        vowel = [before in _VOWELS, after in _VOWELS]
        on_before = on_before if (rated[0], vowel[0]) > (rated[1], vowel[1]) else None
    if not (on_before or on_after):
        return match[0]
    blank = " " if before.isalpha() != after.isalpha() and not on_before else ""
    return f"{on_before}{after}" if on_before else f"{before}{blank}{on_after}"


def _composed(char: str, mark: str) -> str | None:
    """`char` and `mark` as one character (NFC), or None if they do not compose."""
    composed = unicodedata.normalize("NFC", char + mark) if char else ""
    return composed if len(composed) == 1 else None


def nfc(text: str) -> str:
    """Unicode NFC."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# --- Composition ----------------------------------------------------------------------------


def clean(text: str) -> str:
    """Apply every rule but the marker, in this order:

    1. `unescape_html`: first, so that entities decode to what the next rules handle
       (`&nbsp;` to a space, `&#8203;` to a zero-width space) and URLs end where they should.
    2. `fix_mojibake`: before `remove_invisible`, which would drop the C1 controls that
       mojibake is made of.
    3. `remove_invisible`, `normalize_spaces`, `nfc`: the rest of the Unicode repair, before
       LaTeX, whose rules match what these could hide or split (`e` + U+0301 after `\\'`).
    4. `shelter` (links rendered, URLs hidden) and `render_latex`: math (faithful or
       verbatim, hidden in turn), text commands, TeX quotes, dashes and ties.
    5. `fold_whitespace`: after every rule that adds or removes characters, with URLs and
       formulas still hidden, so no hyphen break joins a URL to the next word.
    6. `restore` the URLs and formulas, and `nfc` again, since LaTeX accents leave combining
       characters.
    """
    text = nfc(attach_marks(normalize_spaces(remove_invisible(fix_mojibake(unescape_html(text))))))
    text, urls = shelter(text)
    text, formulas = render_latex(text)
    return nfc(restore(fold_whitespace(text), urls, formulas))


def normalize(text_raw: str) -> str:
    """The clean text of an abstract's raw span: `strip_marker`, then `clean`."""
    return clean(strip_marker(text_raw))
