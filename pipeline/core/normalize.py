"""Turn an abstract's raw span (`text_raw`) into its clean `text`.

Each rule is a small pure function; `clean` composes them in order and `normalize`
first strips the `Abstract:` marker. Slow paths (ftfy, the LaTeX renderer) only run when
a cheap test says they may change something.
"""

import functools
import html
import re
import unicodedata
from types import MappingProxyType

from ftfy import TextFixerConfig, fix_text
from pylatexenc.latex2text import get_default_latex_context_db

from pipeline.core.urls import URL, trim

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
# ZWNJ and ZWJ, unless alone between two non-ASCII characters: Persian, Indic scripts and
# emoji sequences need them there.
_JOINER = re.compile(
    "(?<![^\x00-\x7f\\s\u200c\u200d])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f\\s\u200c\u200d])"
)


def remove_invisible(text: str) -> str:
    """Remove control characters (except whitespace) and zero-width characters."""
    if _printable(text):  # no control, format or exotic space character at all
        return text
    text = _INVISIBLE.sub("", text)
    return _JOINER.sub("", text) if "\u200c" in text or "\u200d" in text else text


_EXOTIC_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def normalize_spaces(text: str) -> str:
    """Turn non-breaking and other exotic spaces into a plain space, Unicode line breaks into
    newlines."""
    if _printable(text):
        return text
    return _EXOTIC_SPACE.sub(" ", text).replace("\u2028", "\n").replace("\u2029", "\n\n")


def nfc(text: str) -> str:
    """Unicode NFC."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# --- URLs -----------------------------------------------------------------------------------

_TEX_ESCAPE = re.compile(r"\\+(?=[_%&#~$])")
_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")


def protect_urls(text: str) -> tuple[str, tuple[str, ...]]:
    """Replace each URL by a placeholder `\\x00<i>\\x00`; return the text and the URLs.

    Expects text without NUL (`remove_invisible` runs first). A URL is kept verbatim but for
    TeX escapes (`\\_` -> `_`): a backslash never belongs in a URL.
    """
    urls: list[str] = []

    def hide(match: re.Match[str]) -> str:
        url = trim(match[0])
        urls.append(_TEX_ESCAPE.sub("", url))
        return f"\x00{len(urls) - 1}\x00{match[0][len(url) :]}"

    return URL.sub(hide, text), tuple(urls)


def restore_urls(text: str, urls: tuple[str, ...]) -> str:
    """Put back the URLs that `protect_urls` hid."""
    return _PLACEHOLDER.sub(lambda m: urls[int(m[1])], text) if urls else text


# --- LaTeX math -----------------------------------------------------------------------------


def _pylatexenc_symbols() -> dict[str, str]:
    """pylatexenc's argument-less macros that render as a symbol or an operator name."""
    symbols = {}
    for spec in get_default_latex_context_db().iter_macro_specs():
        repl = spec.simplify_repl
        if (
            isinstance(repl, str)
            and "%" not in repl
            and not repl.isspace()
            and (len(repl) <= 2 or repl.replace(" ", "").isalpha())
        ):
            symbols[spec.macroname] = repl
    return symbols


# Our own table wins over pylatexenc's: the common macros (so that their rendering is
# explicit), the ones pylatexenc lacks, and a few choices: `\sim` is U+223C `∼` (not `~`),
# `\epsilon` is `ε` (as readers write it, not the lunate `ϵ`), `\prime` is `′`.
_OWN_SYMBOLS = MappingProxyType({
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "Omega": "Ω",
    "times": "×", "sim": "∼", "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "pm": "±", "cdot": "·", "infty": "∞", "rightarrow": "→",
    "to": "→", "leftarrow": "←", "gets": "←", "in": "∈", "sum": "∑", "prod": "∏",
    "ldots": "…", "cdots": "⋯", "dots": "…", "prime": "′", "neg": "¬", "land": "∧",
    "lor": "∨", "implies": "⟹", "iff": "⟺", "models": "⊨", "bot": "⊥", "colon": ":",
    "log": "log", "exp": "exp", "max": "max", "min": "min", "arg": "arg", "argmax": "argmax",
    "argmin": "argmin", "det": "det", "dim": "dim", "deg": "deg", "gcd": "gcd", "Pr": "Pr",
    "mod": "mod", "bmod": "mod", "quad": " ", "qquad": " ",
})  # fmt: skip
_SYMBOLS = MappingProxyType(_pylatexenc_symbols() | _OWN_SYMBOLS)
# Macros whose one argument is rendered as is (font and text switches).
_FONTS = frozenset({
    "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathcal", "mathscr", "mathfrak",
    "mathnormal", "boldsymbol", "bm", "text", "textrm", "textit", "textbf", "texttt", "textsf",
    "textsc", "textup", "textnormal", "mbox", "hbox", "emph", "operatorname", "mathop",
})  # fmt: skip
# Macros that only size or style what follows, dropped.
_DROPPED = frozenset({
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "displaystyle", "textstyle", "scriptstyle", "rm", "bf", "it", "sf", "tt",
    "cal", "limits", "nolimits", "mathstrut",
})  # fmt: skip
_ACCENTS = MappingProxyType({
    "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
    "bar": "\u0304", "overline": "\u0305", "vec": "\u20d7", "dot": "\u0307",
    "ddot": "\u0308", "acute": "\u0301", "grave": "\u0300", "check": "\u030c",
    "breve": "\u0306",
})  # fmt: skip
_DOUBLE_STRUCK = MappingProxyType(
    {"N": "ℕ", "Z": "ℤ", "Q": "ℚ", "R": "ℝ", "C": "ℂ", "P": "ℙ", "H": "ℍ", "E": "𝔼"}
)
# `\,` `\;` `\:` `\ ` `\>` and `~` are spaces, `\!` is none, `\|` a double bar.
_MATH_ESCAPES = MappingProxyType(
    {",": " ", ";": " ", ":": " ", " ": " ", ">": " ", "!": "", "|": "‖", "\\": " "}
)
_SUPERSCRIPT = MappingProxyType(str.maketrans("0123456789+-−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾"))
_SUBSCRIPT = MappingProxyType(str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎"))
_SCRIPTABLE = frozenset("0123456789+-−=()")
# Superscripts that are marks by themselves: `x^*` -> `x*`, `f^\prime` -> `f′`.
_MARKS = frozenset("*∗′″†‡⋆")
_MATH_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)
# A script or a fraction's part that needs no parentheses: one word or number.
_PLAIN = re.compile(r"[\w.]+")


def _script(kind: str, arg: str) -> str:
    """A super- (`^`) or subscript: Unicode where it has every character (digits, signs,
    parentheses), else `^k` for a word or number and `^(…)` for anything else; a mark
    (`x^*`, `x^\\dagger`) loses its caret."""
    if arg and set(arg) <= _SCRIPTABLE:
        return arg.translate(_SUPERSCRIPT if kind == "^" else _SUBSCRIPT)
    if kind == "^" and arg in _MARKS:
        return arg
    if len(arg) <= 1 or _PLAIN.fullmatch(arg):
        return kind + arg
    return f"{kind}({arg})"


def _wrap(part: str) -> str:
    """`part` as a fraction's numerator or denominator: parenthesized unless one word."""
    return part if _PLAIN.fullmatch(part) else f"({part})"


def _argument(tokens: list[str], i: int) -> tuple[str, int]:
    """Render the argument starting at `tokens[i]` (blanks before it skipped)."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return _atom(tokens, i) if i < len(tokens) else ("", i)


def _group(tokens: list[str], i: int, closed: bool) -> tuple[str, int]:
    """Render atoms from `tokens[i]` up to the matching `}` (if `closed`) or the end."""
    parts = []
    while i < len(tokens):
        if tokens[i] == "}":
            if closed:
                return "".join(parts), i + 1
            i += 1
            continue
        part, i = _atom(tokens, i)
        parts.append(part)
    return "".join(parts), i


def _macro(name: str, tokens: list[str], i: int) -> tuple[str, int]:
    """Render the macro `\\name` whose arguments start at `tokens[i]`."""
    if name in _FONTS:
        return _argument(tokens, i)
    if name == "mathbb":
        arg, i = _argument(tokens, i)
        return "".join(_DOUBLE_STRUCK.get(c, c) for c in arg), i
    if name in _ACCENTS:
        arg, i = _argument(tokens, i)
        return arg + _ACCENTS[name], i
    if name in ("frac", "dfrac", "tfrac", "binom"):
        top, i = _argument(tokens, i)
        bottom, i = _argument(tokens, i)
        return (f"C({top}, {bottom})" if name == "binom" else f"{_wrap(top)}/{_wrap(bottom)}"), i
    if name == "sqrt":
        index = ""
        if i < len(tokens) and tokens[i] == "[":
            end = tokens.index("]", i) if "]" in tokens[i:] else len(tokens)
            index, i = "".join(tokens[i + 1 : end]).translate(_SUPERSCRIPT), end + 1
        arg, i = _argument(tokens, i)
        return f"{index}√{_wrap(arg)}", i
    if name in _DROPPED:
        return "", i
    return _SYMBOLS.get(name, name), i


def _atom(tokens: list[str], i: int) -> tuple[str, int]:
    """Render one unit of math at `tokens[i]`: a group, a macro, a script or a character."""
    token = tokens[i]
    i += 1
    if token == "{":
        return _group(tokens, i, closed=True)
    if token in ("^", "_"):
        arg, i = _argument(tokens, i)
        return _script(token, arg), i
    if token[0] == "\\" and len(token) > 1:
        if token[1].isalpha():
            return _macro(token[1:], tokens, i)
        return _MATH_ESCAPES.get(token[1], token[1]), i
    return (" " if token == "~" else token), i


def render_formula(formula: str) -> str:
    """Render the content of one math span as Unicode text (`100\\times` -> `100×`,
    `O(n^2)` -> `O(n²)`, `\\mathbf{x}` -> `x`); no backslash is left: a macro known neither
    here nor to pylatexenc is left as its name (`\\foo` -> `foo`)."""
    return _group(_MATH_TOKEN.findall(formula), 0, closed=False)[0]


# `\(...\)` and `\[...\]` are math whatever their content.
_BRACKET_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# `$` and `$$`, but neither `\$` nor a run of three dollars or more.
_DOLLAR = re.compile(r"(?<![\\$])\$\$?(?!\$)")
# A money amount followed by words (`$5 and `, `$1.6 billion `) is not a formula.
_MONEY = re.compile(r"[0-9][0-9.,]*\s+[A-Za-z]{2}")
# Two words in a row (text arguments aside) make prose, not a formula.
_PROSE = re.compile(r"(?<![\\\w])[A-Za-z]{2,}\s+[A-Za-z]{2,}(?![\w{])")
_TEXT_ARGUMENT = re.compile(r"\\(?:text\w*|math\w+|operatorname|mbox)\s*\{[^{}]*\}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
_FORMULA_SIGN = re.compile(r"[\\^_{}=]")
_SHORT_FORMULA = 40


def _is_formula(content: str, after: str) -> bool:
    """Whether `$content$`, followed by the character `after`, is math rather than two
    dollar signs of prose (`It costs $5 and $10.`).

    As in pandoc, the content neither starts nor ends with a blank, and the closing `$` is
    not followed by a digit unless the content has a formula sign (`$\\sim$10`).
    """
    signed = _FORMULA_SIGN.search(content) is not None
    return (
        content[:1].strip() != ""
        and content[-1:].strip() != ""
        and (signed or not after.isdigit())
        and not _MONEY.match(content)
        and not _PARAGRAPH_BREAK.search(content)
        and not _PROSE.search(_TEXT_ARGUMENT.sub(" ", content))
        and (signed or len(content) <= _SHORT_FORMULA)
    )


def render_math(text: str) -> str:
    """Render math spans `$...$`, `$$...$$`, `\\(...\\)` and `\\[...\\]` with `render_formula`.

    Dollars pair left to right; a pair that is not a formula (see `_is_formula`) is left as
    is and its closing `$` may open the next span.
    """
    if "\\" in text and ("\\(" in text or "\\[" in text):  # one character is found faster
        text = _BRACKET_MATH.sub(lambda m: render_formula(m[1] or m[2]), text)
    if "$" not in text:
        return text
    delimiters = list(_DOLLAR.finditer(text))
    parts, start, k = [], 0, 0
    while k + 1 < len(delimiters):
        opening, closing = delimiters[k], delimiters[k + 1]
        content, after = text[opening.end() : closing.start()], text[closing.end() :][:1]
        if opening[0] == closing[0] and _is_formula(content, after):
            parts += (text[start : opening.start()], render_formula(content))
            start, k = closing.end(), k + 2
        else:
            k += 1
    parts.append(text[start:])
    return "".join(parts)


# --- LaTeX text mode ------------------------------------------------------------------------

_UNWRAP = re.compile(
    r"\\(?:textit|textbf|textsl|textsc|textsf|texttt|textrm|textup|textnormal|text|emph"
    r"|underline|mbox|url)\s*\{([^{}]*)\}"
)
_TEXT_SYMBOLS = MappingProxyType({"LaTeX": "LaTeX", "TeX": "TeX", "ldots": "…", "dots": "…"})
_TEXT_SYMBOL = re.compile(r"\\(LaTeX|TeX|ldots|dots)(?![A-Za-z])(?:\{\})?")
_COMBINING = MappingProxyType({
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327",
})  # fmt: skip
# `\'{e}`, `{\'e}`, `\c{c}`: unambiguous accents.
_BRACED_ACCENT = re.compile(
    r"\{\\([`'^\"~=.])([A-Za-z])\}|\\([`'^\"~=.]|[uvHc](?![A-Za-z]))\s*\{([A-Za-z])\}"
)
# `Poincar\'e`, `Schr\"odinger`: an accent inside a word, on a vowel.
_WORD_ACCENT = re.compile(r"(?<=[^\W\d_])\\([`'^\"])([aeiouyAEIOUY])")
# `\%`, `\&`, `\_`, `\#`, `\$`, `\{`, `\}`, and `\'`, `\"` left: escaped quotes (`one\'s`).
_TEXT_ESCAPE = re.compile(r"\\([%&_#${}'\"])")


def render_text_commands(text: str) -> str:
    """Render the known LaTeX text commands: `\\textit{x}` (and `\\textbf`, `\\emph`,
    `\\texttt`, `\\url`, ...) -> `x`, `\\%` -> `%`, `\\LaTeX` -> `LaTeX`, accents
    (`{\\'e}` -> `é`), `\\'` -> `'` unless on a vowel in a word (`one\\'s` -> `one's`), and
    the line break `\\\\` -> a space."""
    if "\\" not in text:
        return text
    text = text.replace("\\\\", " ")  # a TeX line break
    while (unwrapped := _UNWRAP.sub(r"\1", text)) != text:
        text = unwrapped
    text = _TEXT_SYMBOL.sub(lambda m: _TEXT_SYMBOLS[m[1]], text)
    text = _BRACED_ACCENT.sub(lambda m: (m[2] or m[4]) + _COMBINING[m[1] or m[3]], text)
    text = _WORD_ACCENT.sub(lambda m: m[2] + _COMBINING[m[1]], text)
    return _TEXT_ESCAPE.sub(r"\1", text)


# Quotes hug their content, which holds no backquote or opening quote, no paragraph break, and
# no `'` but apostrophes between letters (`` `it's' ``).
_QUOTED = r"(?=[^\s`'‘“])(?:[^`'‘“\n]|\n(?![ \t\r]*\n)|(?<=[^\W\d_])'(?=[^\W\d_]))*?(?<=[^\s`])"
_DOUBLE_QUOTES = re.compile(rf"(?<!`)``(?!`)({_QUOTED})''(?!')")
_SINGLE_QUOTES = re.compile(rf"(?<!`)`(?!`)({_QUOTED})'(?![^\W\d_]|')")


def render_tex_quotes(text: str) -> str:
    """Turn TeX quotes into curly ones: ``` ``x'' ``` -> `“x”`, `` `x' `` -> `‘x’`."""
    if "`" not in text:
        return text
    return _SINGLE_QUOTES.sub(r"‘\1’", _DOUBLE_QUOTES.sub(r"“\1”", text))


# A tie `~` between a word (or an abbreviation's period) and what follows: `translation~(NAT)`,
# `Fig.~3`. `~5%`, `2~4` and `1~3` are prose and stay.
_TIE = re.compile(r"(?:(?<=[A-Za-z]{2})|(?<=\.))~(?=[A-Za-z0-9(\[])")


def render_ties(text: str) -> str:
    """Turn TeX ties (`dataset~(CITATION)`) into a space."""
    return _TIE.sub(" ", text) if "~" in text else text


def render_latex(text: str) -> str:
    """Render LaTeX math spans, text commands, TeX quotes and ties, leaving URLs untouched.

    Only these spans and commands change, never the text around them (`95%`, `R&D` stay).
    Math goes first: it must pair `$` before `\\$` is unescaped.
    """
    if not ("$" in text or "\\" in text or "`" in text or "~" in text):
        return text
    text, urls = protect_urls(text)
    text = render_ties(render_tex_quotes(render_text_commands(render_math(text))))
    return restore_urls(text, urls)


# --- Whitespace -----------------------------------------------------------------------------

_BLANKS = re.compile(r"[ \t\v\f]+")
_PARAGRAPHS = re.compile(r"\n(?: ?\n)+")
_HYPHEN_WRAP = re.compile(r"(?<=\S-) ?\n ?(?=\w)")


def _join_lines(paragraph: str) -> str:
    """Join a paragraph's lines with one space, or none after `multi-` before `lingual`."""
    paragraph = _HYPHEN_WRAP.sub(lambda m: "" if m.string[m.end()].islower() else m[0], paragraph)
    return " ".join(line.strip() for line in paragraph.strip().split("\n"))


def fold_whitespace(text: str) -> str:
    """Fold whitespace: CRLF and CR become LF, hard-wrapped lines are joined, runs of blanks
    become one space, paragraph breaks exactly one `\\n`, and the ends are stripped."""
    if _printable(text):  # one line, whose only blank is the space
        return " ".join(text.split()) if "  " in text else text.strip(" ")
    text = _BLANKS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = (_join_lines(p) for p in _PARAGRAPHS.split(text))
    return "\n".join(p for p in paragraphs if p)


# --- Composition ----------------------------------------------------------------------------


def clean(text: str) -> str:
    """Apply every rule but the marker, in this order:

    1. `unescape_html`: first, so that entities decode to what the next rules handle
       (`&nbsp;` to a space, `&#8203;` to a zero-width space) and URLs end where they should.
    2. `fix_mojibake`: before `remove_invisible`, which would drop the C1 controls that
       mojibake is made of.
    3. `remove_invisible`, `normalize_spaces`, `nfc`: the rest of the Unicode repair, before
       LaTeX, whose rules match what these could hide or split (`e` + U+0301 after `\\'`).
    4. `render_latex`: math, text commands, TeX quotes, ties, with URLs protected.
    5. `fold_whitespace`: after every rule that adds or removes characters.
    6. `nfc` again, last, since LaTeX accents leave combining characters.
    """
    text = nfc(normalize_spaces(remove_invisible(fix_mojibake(unescape_html(text)))))
    return nfc(fold_whitespace(render_latex(text)))


def normalize(text_raw: str) -> str:
    """The clean text of an abstract's raw span: `strip_marker`, then `clean`."""
    return clean(strip_marker(text_raw))
