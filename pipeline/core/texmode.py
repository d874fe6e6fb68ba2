"""LaTeX outside math: markup rendered, URLs and formulas sheltered, the rest left as is.

`shelter` renders links and hides URLs (kept as written); `render_latex` hides formulas
(rendered or verbatim, see `formulas`) and renders text-mode markup (emphasis and font
switches, footnotes, citations, accents, dashes, symbols, escaped specials, TeX quotes,
ties); `restore` puts the hidden pieces back once every text rule has run. A command it
does not know is kept as written, with its arguments: never glued to what follows, never
half-rendered.
"""

import functools
import re
from types import MappingProxyType

from pylatexenc.latex2text import get_default_latex_context_db

from pipeline.core.formulas import render_math, script
from pipeline.core.urls import URL, may_hold_url, trim

# --- Shelter: URLs and formulas out of the rules' way ---------------------------------------

_TEX_ESCAPE = re.compile(r"\\+(?=[_%&#~$])")
_URL_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")
_FORMULA_PLACEHOLDER = re.compile("\x00m([0-9]+)\x00")


def protect_urls(text: str) -> tuple[str, tuple[str, ...]]:
    """Replace each URL by a placeholder `\\x00<i>\\x00`; return the text and the URLs.

    Expects text without NUL (`remove_invisible` runs first). A URL is kept verbatim but for
    TeX escapes (`\\_` -> `_`): a backslash never belongs in a URL.
    """
    if not may_hold_url(text):
        return text, ()
    urls: list[str] = []

    def hide(match: re.Match[str]) -> str:
        url = trim(match[0])
        urls.append(_TEX_ESCAPE.sub("", url))
        return f"\x00{len(urls) - 1}\x00{match[0][len(url) :]}"

    return URL.sub(hide, text), tuple(urls)


def restore(text: str, urls: tuple[str, ...], formulas: list[str] = ()) -> str:
    """Put back the URLs that `protect_urls` and the formulas that `render_math` hid."""
    if formulas:  # first: a formula may hold a URL
        text = _FORMULA_PLACEHOLDER.sub(lambda m: formulas[int(m[1])], text)
    return _URL_PLACEHOLDER.sub(lambda m: urls[int(m[1])], text) if urls else text


# --- Commands -------------------------------------------------------------------------------

# `\href{url}{text}` -> `text (url)`, `\url{url}` (and `\href{url}` alone) -> `url`: before
# URLs are found, whose pattern would take in the braces.
_NESTED = r"(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*"  # braces nested two deep at most
_HREF = re.compile(rf"\\(?:href|hyperlink)\s*\{{\s*([^{{}}\s]*)\s*\}}\s*\{{({_NESTED})\}}")
_URL_COMMAND = re.compile(r"\\(?:url|href(?=\s*\{[^{}]*\}(?!\s*\{)))\s*\{\s*([^{}\s]*)\s*\}")


def _href(match: re.Match[str]) -> str:
    url, text = match[1], match[2].strip()
    return text if url in text else f"{text} ({url})" if text else url


# Commands whose one argument is the text itself: emphasis, fonts, boxes.
_UNWRAPPED = [
    "textit", "textbf", "textsl", "textsc", "textsf", "texttt", "textrm", "textup",
    "textnormal", "textmd", "text", "emph", "underline", "uline", "mbox", "hbox",
]  # fmt: skip
_ARGUMENT = r"\s*\{([^{}]*)\}"
# Switches that style the rest of their group: `{\em x}`, `{\bf x}`, `{\color{red} x}`.
_SWITCHES = [
    "em", "it", "bf", "sc", "tt", "rm", "sl", "sf", "up", "md", "bfseries", "itshape",
    "ttfamily", "scshape", "upshape", "mdseries", "rmfamily", "sffamily", "slshape",
    "normalfont", "tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large",
    "LARGE", "huge", "Huge",
]  # fmt: skip
_SWITCH = rf"\\(?:{'|'.join(_SWITCHES)})(?![A-Za-z])|\\color\s*\{{[^{{}}]*\}}"
_SWITCHED_GROUP = re.compile(rf"(?<![A-Za-z])\{{\s*(?:{_SWITCH})\s*([^{{}}]*)\}}")
_BARE_SWITCH = re.compile(rf"(?:{_SWITCH})\s*")
# Commands rendered from their argument: `\textit{x}` and `\textcolor{red}{x}` -> `x`, and
# `\footnote{x}` -> ` (x)`, `\cite{a,b}` -> `[a, b]`, `\textsuperscript{4}` -> `⁴`.
_COMMAND = re.compile(
    rf"\\(?:{'|'.join(_UNWRAPPED)}){_ARGUMENT}|\\textcolor\s*\{{[^{{}}]*\}}{_ARGUMENT}"
    rf"|(\s*\\footnote|\\cite[pt]?|\\citealp|\\textsuperscript|\\textsubscript){_ARGUMENT}"
)


def _unwrap(match: re.Match[str]) -> str:
    """One `_COMMAND` with its argument rendered; a script that Unicode cannot write stays."""
    text, colored, name, argument = match.groups()
    if name is None:
        return text if text is not None else colored
    if name.endswith("footnote"):
        return f" ({argument})"
    if name.startswith("\\cite"):
        return f"[{', '.join(key.strip() for key in argument.split(','))}]"
    return script("^" if name == "\\textsuperscript" else "_", argument) or match[0]


# Argument-less symbols outside math, beyond the math ones: arXiv's `{\deg}`, and names
# that pylatexenc does not render.
_OWN_SYMBOLS = MappingProxyType({
    "deg": "°", "copyright": "©", "circledR": "®", "S": "§", "P": "¶", "LaTeX": "LaTeX",
    "TeX": "TeX", "eg": "e.g.", "ie": "i.e.", "etal": "et al.", "newline": " ",
})  # fmt: skip


@functools.cache
def _text_symbols() -> MappingProxyType:
    """pylatexenc's argument-less text macros that render as a symbol (`\\textemdash` ->
    `—`, `\\ss` -> `ß`), with ours over them."""
    symbols = {}
    for spec in get_default_latex_context_db().iter_macro_specs():
        repl = spec.simplify_repl
        if isinstance(repl, str) and 0 < len(repl) <= 2 and not repl.isascii():
            symbols[spec.macroname] = repl
    return MappingProxyType(symbols | dict(_OWN_SYMBOLS))


_SYMBOL = re.compile(r"\{\\([A-Za-z]+)\}|\\([A-Za-z]+)(?![A-Za-z])(?:\{\})?")


def _symbol(match: re.Match[str]) -> str:
    name = match[1] or match[2]
    return _text_symbols().get(name, match[0])


# A symbol right before another command (`\alpha\'a`, `\ss\textbf{x}`) is rendered first:
# what that command renders must not join the symbol's name (`\alphaá`, `\ssx`). Not the
# dotless `\i` and `\j`, which accents take as their base.
_SYMBOL_BEFORE_COMMAND = re.compile(r"\\([A-Za-z]+)(?=\\)")


def _symbol_before_command(match: re.Match[str]) -> str:
    name = match[1]
    return match[0] if name in ("i", "j") else _text_symbols().get(name, match[0])


_COMBINING = MappingProxyType({
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "r": "\u030a",
    "k": "\u0328",
})  # fmt: skip
# `\'{e}`, `{\'e}`, `\c{c}`, `\r{a}`, `\"{\i}` (a dotless i, as TeX accents an i):
# unambiguous accents.
_BASE = r"([A-Za-z]|\\[ij](?![A-Za-z]))"
_BRACED_ACCENT = re.compile(
    rf"\{{\\([`'^\"~=.]){_BASE}\}}|\\([`'^\"~=.]|[uvHcrk](?![A-Za-z]))\s*\{{{_BASE}\}}"
)
# `Poincar\'e`, `Schr\"odinger`, `iky\=anve`, `Do\~nana`: an accent inside a word, on a
# vowel (a tilde on an n too).
_WORD_ACCENT = re.compile(r"(?<=[^\W\d_])\\(?:([`'^\"=])([aeiouyAEIOUY])|(~)([aeiouynAEIOUYN]))")
# `\'Erudit`, `vis-\`a-vis`, `-\"U-Tsang`: an accent on a word's first letter, a vowel;
# `\'` and `\"` only before a letter or a hyphen, and where no escaped quote closes them
# later (`\"word\"` is quoted).
_START_ACCENT = re.compile(
    r"(?<![\w\\])\\(?:([`^=~])([aeiouyAEIOUY])|(['\"])([aeiouyAEIOUY])(?=[^\W\d_]|-))"
)
_CLOSING_QUOTE = {"'": re.compile(r"\\'(?![^\W\d_])"), '"': re.compile(r'\\"(?![^\W\d_])')}


def _accent(mark: str, base: str) -> str:
    """`base` (a letter, or a dotless `\\i` or `\\j`) with the accent `mark`."""
    return base[-1] + _COMBINING[mark]


def _start_accent(match: re.Match[str]) -> str:
    if match[3] and _CLOSING_QUOTE[match[3]].search(match.string, match.end()):
        return match[0]
    return _accent(match[1] or match[3], match[2] or match[4])


# `\%`, `\&`, `\_`, `\#`, `\$`, `\{`, `\}`, and `\'`, `\"` left: escaped quotes (`one\'s`);
# `\ ` (any blank after the backslash) is a space, `\-`, a discretionary hyphen, nothing.
_ESCAPED = re.compile(r"\\([%&_#${}'\"-]|\s)")


def _unwrap_all(text: str) -> str:
    """One pass of the commands, switched groups and bare switches: a switch in a command's
    argument (`\\textbf{\\color{red}D}`) goes, and the command unwraps in the next."""
    text = _SWITCHED_GROUP.sub(r"\1", _COMMAND.sub(_unwrap, text))
    return _BARE_SWITCH.sub("", text)


def _until_stable(rule, text: str) -> str:
    """Apply `rule` until nothing changes: nested markup unwraps from the inside out."""
    while (changed := rule(text)) != text:
        text = changed
    return text


def render_commands(text: str) -> str:
    """Render the known text-mode commands: fonts and emphasis (`\\textit{x}`, `{\\em x}`)
    -> `x`, `\\footnote{x}` -> ` (x)`, `\\textsuperscript{4}` -> `⁴`, symbols
    (`\\textemdash`, `{\\deg}`, `\\ss`), accents (`{\\'e}` -> `é`), escaped specials (`\\%`),
    `\\-` -> nothing and the line break `\\\\` -> a space. Others stay as written."""
    if "\\" not in text:
        return text
    text = _SYMBOL_BEFORE_COMMAND.sub(_symbol_before_command, text.replace("\\\\", " "))
    text = _until_stable(_unwrap_all, text)
    text = _BRACED_ACCENT.sub(lambda m: _accent(m[1] or m[3], m[2] or m[4]), text)
    text = _WORD_ACCENT.sub(lambda m: _accent(m[1] or m[3], m[2] or m[4]), text)
    text = _START_ACCENT.sub(_start_accent, text)
    text = _SYMBOL.sub(_symbol, text)
    return _ESCAPED.sub(lambda m: "" if m[1] == "-" else " " if m[1].isspace() else m[1], text)


# --- Punctuation ----------------------------------------------------------------------------

# Quotes hug their content, which holds no backquote, no opening quote, no double quote
# (`"`, `”`: which quote closes would be a guess), no paragraph break, and no `'` but
# apostrophes between letters (`` `it's' ``).
_QUOTED = r"(?=[^\s`'‘“])(?:[^`'‘“”\"\n]|\n(?![ \t\r]*\n)|(?<=[^\W\d_])'(?=[^\W\d_]))*?(?<=[^\s`])"
# ``` ``x'' ```, and as written by hand: ``` ``x" ```, `''x''`, `''x"` and `"x''` (a pair of
# straight quotes stays as it is).
_DOUBLE_QUOTES = re.compile(
    rf"(?:(?<!`)``(?!`)|(?<![\w'\"])(''|\")(?![\s'\"]))({_QUOTED})(''(?!')|\"(?!\"))"
)
_SINGLE_QUOTES = re.compile(rf"(?<!`)`(?!`)({_QUOTED})'(?![^\W\d_]|')")


def _double_quotes(match: re.Match[str]) -> str:
    opening, quoted, closing = match.groups()
    return match[0] if opening == closing == '"' else f"“{quoted}”"


def render_tex_quotes(text: str) -> str:
    """Turn TeX quotes into curly ones: ``` ``x'' ``` (or ``` ``x" ```, `''x''`, `''x"`,
    `"x''`) -> `“x”`, `` `x' `` -> `‘x’`."""
    if "`" not in text and "''" not in text:
        return text
    text = _DOUBLE_QUOTES.sub(_double_quotes, text)
    return _SINGLE_QUOTES.sub(r"‘\1’", text) if "`" in text else text


# `---` and `--`, but not in longer runs of hyphens or arrows (`-->`, `<--`).
_DASH = re.compile(r"(?<![-<!])(---?)(?![->])")


def render_dashes(text: str) -> str:
    """TeX dashes: `---` -> `—`, `--` -> `–`, with the blanks around them as written."""
    return _DASH.sub(lambda m: "—" if len(m[1]) == 3 else "–", text) if "--" in text else text


# A tie `~` between a word (or an abbreviation's period) and what follows: `translation~(NAT)`,
# `Fig.~3`, `factor~$\gamma$` (a sheltered formula), a number's unit: `1~GB`, a dash
# (`methods~--~document`, `tasks~ -- ~binary`) or a blank, and after a parenthesis:
# `(1)~how`, `(GRPO)~\cite{x}`. `~5%`, `(~ 10^{17})`, `2~4` and `1~3` are prose and stay.
_TIE = re.compile(
    r"(?:(?<=[A-Za-z]{2})|(?<=\.))~(?=[A-Za-z0-9(\[\x00\\–—\s])|(?<=[0-9])~(?=[A-Za-z])"
    r"|(?<=[–—])~(?=\S)|(?<=[–—]\s)~(?=[A-Za-z])|(?<=[)\]])~(?=[A-Za-z\\\[])"
)


def render_ties(text: str) -> str:
    """Turn TeX ties (`dataset~(CITATION)`) into a space."""
    return _TIE.sub(" ", text) if "~" in text else text


def shelter(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with its links rendered (`\\href`, `\\url`) and its URLs hidden (see
    `protect_urls`): no rule changes a URL, and `restore` puts them back."""
    if "\\" in text:
        text = _URL_COMMAND.sub(r"\1", _HREF.sub(_href, text))
    return protect_urls(text)


def render_latex(text: str) -> tuple[str, list[str]]:
    """Render LaTeX math, text commands, TeX quotes, dashes and ties in a `shelter`ed text;
    the formulas stay hidden (see `render_math`) until `restore`.

    Only markup changes, never the text around it (`95%`, `R&D` stay). Math goes before the
    text commands: it must pair `$` before `\\$` is unescaped, and a formula kept verbatim
    is never touched by the text rules.
    """
    if not any(mark in text for mark in ("$", "\\", "`", "''", "~", "--")):
        return text, []
    text, formulas = render_math(text)
    return render_ties(render_dashes(render_tex_quotes(render_commands(text)))), formulas
