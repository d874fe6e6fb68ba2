"""LaTeX math in abstracts: found by its delimiters, rendered faithfully or kept verbatim.

`formulas` finds every math span (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`, math
environments); `render_formula` renders one span's content as Unicode text only when every
piece of it has a faithful rendering (symbols, operator names with their spaces, scripts
that Unicode can write), and returns None otherwise: the caller then keeps the span exactly as
written, delimiters included. A formula is never half-rendered.

Symbols and sub- and superscripts come from unicodeit's tables (made for exactly this);
the few choices of our own are in `_OWN`.
"""

import functools
import re
import unicodedata
from collections.abc import Iterator
from types import MappingProxyType
from typing import NamedTuple

from unicodeit.data import COMBININGMARKS, REPLACEMENTS, SUBSUPERSCRIPTS

# Math environments, whose content is math whatever it holds.
_ENVIRONMENTS = (
    "equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
    "eqnarray", "eqnarray*", "displaymath", "math",
)  # fmt: skip
_ENVIRONMENT = "|".join(re.escape(e) for e in _ENVIRONMENTS)
# A formula kept verbatim in a clean text: what `render_math` leaves when it cannot render.
VERBATIM = re.compile(
    r"\$\$[^$]+\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]"
    rf"|\\begin\{{({_ENVIRONMENT})\}}.*?\\end\{{\1\}}",
    re.DOTALL,
)
_OPENING = re.compile(rf"(?<!\\)\$+|\\\(|\\\[|\\begin\{{({_ENVIRONMENT})\}}")
_CLOSING = MappingProxyType({"\\(": re.compile(r"\\\)"), "\\[": re.compile(r"\\\]")})
_LONE_DOLLAR = re.compile(r"(?<!\\)\$")


class Formula(NamedTuple):
    """A math span of a text: `text[start:end]`, delimiters included, and its content."""

    start: int
    end: int
    content: str


# A money amount followed by words (`$5 and `, `$1.6 billion `) is not a formula.
_MONEY = re.compile(r"[0-9][0-9.,]*\s+[A-Za-z]{2}")
# Two words in a row (text arguments aside) make prose, not a formula.
_PROSE = re.compile(r"(?<![\\\w])[A-Za-z]{2,}\s+[A-Za-z]{2,}(?![\w{])")
_TEXT_ARGUMENT = re.compile(r"\\(?:text\w*|math\w+|operatorname|mbox)\s*\{[^{}]*\}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
_FORMULA_SIGN = re.compile(r"[\\^_{}=<>]")
_SHORT_FORMULA = 40


def _is_formula(content: str, after: str) -> bool:
    """Whether `$content$`, followed by the character `after`, is math rather than two
    dollar signs of prose (`It costs $5 and $10.`).

    The closing `$` is not followed by a digit unless the content has a formula sign
    (`$\\sim$10`, `$>$3%`); blanks inside the dollars (`$ k $`) are allowed where the content
    is one token or has a formula sign.
    """
    stripped = content.strip()
    signed = _FORMULA_SIGN.search(content) is not None
    return (
        stripped != ""
        and (signed or content == stripped or not any(c.isspace() for c in stripped))
        and (signed or not after.isdigit())
        and not _MONEY.match(stripped)
        and not _PARAGRAPH_BREAK.search(content)
        and not _PROSE.search(_TEXT_ARGUMENT.sub(" ", content))
        and (signed or len(stripped) <= _SHORT_FORMULA)
    )


_DOLLAR_OR_BRACE = re.compile(r"\\.|[{}$]", re.DOTALL)


def _closing_dollar(text: str, at: int) -> re.Match[str] | None:
    """The `$` that closes a formula opened before `at`: the first outside the braces
    opened after it (math may hold text that holds math: `$\\textbf{$\\infty$Bench}$`), or,
    if the braces never close, the first."""
    depth = 0
    for token in _DOLLAR_OR_BRACE.finditer(text, at):
        if token[0] == "{":
            depth += 1
        elif token[0] == "}":
            depth = max(depth - 1, 0)
        elif token[0] == "$" and not depth:
            return token
    return _LONE_DOLLAR.search(text, at)


def formulas(text: str) -> Iterator[Formula]:
    """The math spans of `text`, left to right.

    `$$...$$` is display math when no `$` is inside; otherwise dollars pair one by one, left
    to right, and a pair that is not a formula (see `_is_formula`) is prose: its closing `$`
    may open the next span. `\\(...\\)`, `\\[...\\]` and math environments are math whatever
    their content. An opening without its closing is prose.
    """
    if "$" not in text and "\\" not in text:
        return
    at = 0
    while (opening := _OPENING.search(text, at)) is not None:
        token, start = opening[0], opening.start()
        at = opening.end()
        if token.startswith("$$$"):  # a run of dollars is no delimiter
            continue
        if token.startswith("\\begin"):
            closing = re.compile(re.escape(f"\\end{{{opening[1]}}}")).search(text, at)
        elif token in _CLOSING:
            closing = _CLOSING[token].search(text, at)
        elif token == "$$" and (close := text.find("$$", at)) > at and "$" not in text[at:close]:
            if not _PARAGRAPH_BREAK.search(text, at, close):
                yield Formula(start, close + 2, text[at:close])
                at = close + 2
            continue
        else:  # a single dollar, or `$$` that is two formulas side by side (`$a$$b$`)
            at = start + 1
            closing = _closing_dollar(text, at)
            if closing and not _is_formula(text[at : closing.start()], text[closing.end() :][:1]):
                continue
        if closing is None:
            continue
        yield Formula(start, closing.end(), text[at : closing.start()])
        at = closing.end()


# --- Rendering ------------------------------------------------------------------------------


class Unfaithful(Exception):
    """A piece of a formula has no faithful rendering: the formula stays as written."""


# Our choices over unicodeit's: `\sim` is U+223C `∼`, `\langle` the mathematical `⟨`, and
# symbols it lacks or names otherwise.
_OWN = MappingProxyType({
    "sim": "∼", "langle": "⟨", "rangle": "⟩", "backslash": "∖", "setminus": "∖",
    "colon": ":", "vert": "|", "Vert": "‖", "lbrace": "{", "rbrace": "}", "lvert": "|",
    "rvert": "|", "lVert": "‖", "rVert": "‖", "ldots": "…", "dots": "…", "cdots": "⋯",
    "prime": "′", "emptyset": "∅", "varnothing": "∅", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "%": "%",
})  # fmt: skip
# Macros of arguments that unicodeit lists as a bare symbol (`\underbrace` -> `⏟`): rendered
# alone, they would lose their argument's scope.
_TAKES_ARGUMENTS = frozenset({
    "underbrace", "overbrace", "overrightarrow", "overleftarrow", "overleftrightarrow",
    "boxed", "stackrel", "overset", "underset", "xrightarrow", "xleftarrow", "cancel",
    "underline", "overline", "sqrt",
})  # fmt: skip
# Operator names, set off by spaces from letters and digits around them (`n\log n`).
_OPERATORS = frozenset({
    "log", "ln", "lg", "exp", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh",
    "arcsin", "arccos", "arctan", "max", "min", "sup", "inf", "lim", "limsup", "liminf", "arg",
    "argmax", "argmin", "det", "dim", "gcd", "lcm", "ker", "deg", "Pr", "hom", "mod", "bmod",
})  # fmt: skip
# Macros whose one argument is rendered as is (font and text switches).
_FONTS = frozenset({
    "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathnormal", "boldsymbol", "bm", "text",
    "textrm", "textit", "textbf", "texttt", "textsf", "textsc", "textup", "textnormal", "mbox",
    "hbox", "emph", "mathop",
})  # fmt: skip
# Macros that only size or style what follows, or label it: dropped.
_DROPPED = frozenset({
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "limits",
    "nolimits", "mathstrut", "nonumber", "notag", "rm", "bf", "it", "sf", "tt", "cal",
})  # fmt: skip
# `\mathbb{R}` -> `ℝ`: alphabets that Unicode has, letter by letter, from unicodeit.
_ALPHABETS = frozenset(["mathbb", "mathcal", "mathfrak", "mathscr"])
_ACCENTS = MappingProxyType({
    "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
    "bar": "\u0304", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "acute": "\u0301",
    "grave": "\u0300", "check": "\u030c", "breve": "\u0306",
    **{name[1:]: mark for name, mark in COMBININGMARKS},
})  # fmt: skip
# `\,` `\;` `\:` `\ ` `\>` are spaces, `\!` none, `\|` a double bar; `\{` ... escaped specials.
_ESCAPES = MappingProxyType({
    ",": " ", ";": " ", ":": " ", " ": " ", ">": " ", "!": "", "|": "‖", "{": "{", "}": "}",
    "%": "%", "&": "&", "_": "_", "#": "#", "$": "$",
})  # fmt: skip
# `^\circ` is a degree sign; a superscript that is a mark by itself loses its caret (`x^*`).
_SUPER_MARKS = MappingProxyType({
    "∘": "°", "*": "*", "∗": "∗", "′": "′", "″": "″", "†": "†", "®": "®", "™": "™",
})  # fmt: skip
_OPERATOR_MARK = "\x01"  # around an operator name until spaces are decided
_SPACE = "\x02"  # a space that no rule removes (`3 (mod 4)`)
_FRACTION = "\x03"  # around a fraction until its parentheses are decided
# A URL's placeholder (`texmode.protect_urls`, which runs first) is one token: a macro or a
# script never takes a piece of it (`\frac http://...` would leave its NULs in the text).
_TOKEN = re.compile(r"\x00[0-9]+\x00|\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)
# A fraction's part or a root's argument that needs no parentheses: one word or number.
_PLAIN = re.compile(r"[\w.′]+")


@functools.cache
def _replacements() -> MappingProxyType:
    """unicodeit's table: LaTeX as written (`\\alpha`, `\\mathbb{R}`) to Unicode."""
    return MappingProxyType(dict(REPLACEMENTS))


@functools.cache
def _symbols() -> MappingProxyType:
    """unicodeit's symbols named by one macro (`alpha` -> `α`), with our choices over them."""
    named = {k[1:]: v for k, v in _replacements().items() if re.fullmatch(r"\\[A-Za-z]+", k)}
    return MappingProxyType({k: v for k, v in named.items() if k not in _TAKES_ARGUMENTS} | _OWN)


@functools.cache
def _scripts() -> tuple[MappingProxyType, MappingProxyType]:
    """(superscript, subscript) forms of the characters that have one, from unicodeit; a
    Greek letter is keyed by its own character."""
    forms = ({}, {})
    symbols = _symbols()
    for key, value in SUBSUPERSCRIPTS:
        base = key[1:]
        base = symbols.get(base[1:], base) if base.startswith("\\") else base
        name = unicodedata.name(value, "")
        if len(base) == 1 and ("SUPERSCRIPT" in name or "SUBSCRIPT" in name or "MODIFIER" in name):
            forms[key[0] == "_"][base] = value
    return tuple(MappingProxyType(f) for f in forms)


def script(kind: str, text: str) -> str | None:
    """`text` as a superscript (`kind` `^`) or subscript (`_`) in Unicode, or None where a
    character has no such form."""
    forms = _scripts()[kind == "_"]
    return "".join(forms[c] for c in text) if text and all(c in forms for c in text) else None


class _Renderer:
    """Renders one formula's tokens; raises `Unfaithful` at the first piece it cannot."""

    def __init__(self, content: str):
        self.tokens = _TOKEN.findall(content)
        self.i = 0

    def group(self, closed: bool) -> str:
        """Atoms up to the matching `}` (if `closed`) or the end."""
        parts = []
        while self.i < len(self.tokens):
            if self.tokens[self.i] == "}":
                if not closed:
                    raise Unfaithful("an unmatched }")
                self.i += 1
                return "".join(parts)
            parts.append(self.atom())
        if closed:
            raise Unfaithful("an unclosed {")
        return "".join(parts)

    def argument(self) -> str:
        """The next atom, blanks before it skipped: a macro's or a script's argument."""
        while self.i < len(self.tokens) and self.tokens[self.i].isspace():
            self.i += 1
        if self.i == len(self.tokens) or self.tokens[self.i] == "}":
            raise Unfaithful("a missing argument")
        return self.atom()

    def atom(self) -> str:
        token = self.tokens[self.i]
        self.i += 1
        if token == "{":
            return self.group(closed=True)
        if token in ("^", "_"):
            return self.script(token)
        if token.isspace():
            return " "
        if token[0] == "\\" and len(token) > 1:
            return self.macro(token[1:]) if token[1].isalpha() else self.escape(token[1])
        if token in "&#%$":
            raise Unfaithful(f"{token} in math")
        return {"~": " ", "'": "′"}.get(token, token)

    def escape(self, char: str) -> str:
        char = " " if char.isspace() else char  # `\<tab>`, `\<newline>`: TeX's control space
        if char not in _ESCAPES:
            raise Unfaithful(f"\\{char}")
        return _ESCAPES[char]

    def script(self, kind: str) -> str:
        """A super- or subscript: Unicode where every character has a form, the mark itself
        for a mark (`x^*`, `^\\circ` a degree). Else the formula stays as written: `ℓ_{1/2}`
        or `Θ_{base}` would be neither Unicode nor TeX."""
        arg = self.argument().strip()
        if kind == "^" and arg in _SUPER_MARKS:
            return _SUPER_MARKS[arg]
        if (scripted := script(kind, arg)) is None:
            raise Unfaithful("a script that Unicode cannot write")
        return scripted

    def macro(self, name: str) -> str:
        if name in _OPERATORS:
            word = {"bmod": "mod"}.get(name, name)
            return f"{_OPERATOR_MARK}{word}{_OPERATOR_MARK}"
        if name == "operatorname":
            return f"{_OPERATOR_MARK}{self.argument()}{_OPERATOR_MARK}"
        if name == "pmod":
            return f"{_SPACE}(mod {self.argument()})"
        if name in _FONTS:
            return self.argument()
        if name in _ALPHABETS:
            return _alphabet(name, self.argument())
        if name in _ACCENTS:
            return _accented(self.argument(), _ACCENTS[name])
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.argument(), self.argument()
            return f"{_FRACTION}{_wrap(top)}/{_wrap(bottom)}{_FRACTION}"
        if name == "sqrt":
            return self.root()
        if name == "unicode":
            return _code_point(self.argument())
        if name == "not":
            return _accented(self.argument(), "\u0338")
        if name in _DROPPED:
            return self.delimiter() if name in ("left", "right", "middle") else ""
        if name in ("label", "tag"):
            self.argument()
            return ""
        if name in _symbols():
            return _symbols()[name]
        raise Unfaithful(f"\\{name}")

    def delimiter(self) -> str:
        """The delimiter after `\\left`, `\\right` or `\\middle` (`.` is none)."""
        while self.i < len(self.tokens) and self.tokens[self.i].isspace():
            self.i += 1
        if self.i < len(self.tokens) and self.tokens[self.i] == ".":
            self.i += 1
            return ""
        return self.argument()

    def root(self) -> str:
        """`\\sqrt{x}` -> `√x`, `\\sqrt[3]{x}` -> `∛x`; other indices have no faithful form."""
        sign = "√"
        if self.i < len(self.tokens) and self.tokens[self.i] == "[":
            end = self.tokens.index("]", self.i) if "]" in self.tokens[self.i :] else -1
            index = "".join(self.tokens[self.i + 1 : end]).strip()
            if end < 0 or index not in ("3", "4"):
                raise Unfaithful("a root's index")
            sign, self.i = {"3": "∛", "4": "∜"}[index], end + 1
        return sign + _wrap(self.argument())


def _wrap(part: str) -> str:
    """`part` as a fraction's numerator or denominator: parenthesized unless one word."""
    part = part.strip()
    if not part:
        raise Unfaithful("an empty fraction part")
    return part if _PLAIN.fullmatch(part) else f"({part})"


def _alphabet(name: str, letters: str) -> str:
    try:
        return "".join(_replacements()[f"\\{name}{{{c}}}"] for c in letters)
    except KeyError:
        raise Unfaithful(f"\\{name}{{{letters}}}") from None


def _accented(base: str, mark: str) -> str:
    """`base` with a combining `mark` on each character (one, unless a line over or under)."""
    if len(base) != 1 and mark not in ("\u0305", "\u0332"):
        raise Unfaithful("an accent over several characters")
    return "".join(c + mark for c in base)


def _code_point(argument: str) -> str:
    """`\\unicode{x2013}` (MathJax's) -> `–`."""
    if not re.fullmatch(r"x[0-9A-Fa-f]{1,6}|[0-9]{1,7}", argument):
        raise Unfaithful("\\unicode")
    code = int(argument[1:], 16) if argument[0] == "x" else int(argument)
    if code > 0x10FFFF or unicodedata.category(chr(code)) in ("Cc", "Cs", "Cn"):
        raise Unfaithful("\\unicode")
    return chr(code)


def _scripted(char: str) -> bool:
    return unicodedata.decomposition(char).startswith(("<super>", "<sub>"))


_SPACED = re.compile(f"(.?){_OPERATOR_MARK}([^{_OPERATOR_MARK}]*){_OPERATOR_MARK}(.?)", re.DOTALL)


def _space_operators(text: str) -> str:
    """Set an operator name off by a space from a letter or digit beside it (`n log n`)."""

    def spaced(match: re.Match[str]) -> str:
        left, word, right = match.groups()
        gap_left = " " if left.isalnum() and not _scripted(left) else ""
        gap_right = " " if right.isalnum() and not _scripted(right) else ""
        return f"{left}{gap_left}{word}{gap_right}{right}"

    while _OPERATOR_MARK in text:
        text = _SPACED.sub(spaced, text, count=1)
    return text


# Blanks that TeX ignores and a reader would trip on: just inside brackets, and between a
# one-letter function and its parenthesis: `O \\left( x \\right)` -> `O(x)`.
_INNER_BLANK = re.compile(r"(?<=[(\[{]) | (?=[)\]}])|(?<=\b[A-Za-z]) (?=\()")


_FRACTIONS = re.compile(f"(\\S?)( *){_FRACTION}([^{_FRACTION}]*){_FRACTION}( *)(\\S?)")


def _scope_fractions(text: str) -> str:
    """Parenthesize a fraction that stands next to a letter, digit or operator name, so
    that its scope is kept: `n \\log_2 \\frac{m}{n}` -> `n log₂ (m/n)`, `x = a/b` as is."""

    def scoped(match: re.Match[str]) -> str:
        left, before, fraction, after, right = match.groups()
        if left.isalnum() or right.isalnum() or left == _OPERATOR_MARK:
            fraction = f"({fraction})"
        return f"{left}{before}{fraction}{after}{right}"

    while _FRACTION in text:
        text = _FRACTIONS.sub(scoped, text, count=1)
    return text


def render_formula(content: str) -> str | None:
    """The content of one math span as Unicode text (`100\\times` -> `100×`, `O(n^2)` ->
    `O(n²)`, `T\\log T` -> `T log T`, `^\\circ` -> `°`), or None where a piece of it has no
    faithful rendering (an unknown macro, an alignment, a script that Unicode cannot write
    as a script): the caller keeps the formula as written."""
    try:
        rendered = _Renderer(content).group(closed=False)
    except Unfaithful:
        return None
    rendered = _space_operators(_scope_fractions(rendered))
    rendered = _INNER_BLANK.sub("", " ".join(rendered.split()))
    return " ".join(rendered.replace(_SPACE, " ").split()) or None


def _rereads(before: str, rendering: str, after: str) -> bool:
    """Whether a rendering would read otherwise once beside the text around it: two `-`
    in a row, or one beside a `-` of the text, are TeX's `--`, a dash (`-\\(-\\)`,
    `\\(--\\)`); a `-` that ends a word before a blank is a word cut at its hyphen, which
    the next reading joins (`$x-$ b`; a `$-$` between blanks is a dash, and stays one)."""
    if "--" in before[-1:] + rendering + after[:1]:
        return True
    ending = (before[-1:] + rendering)[-2:]  # the rendering's last character, and the one before
    return ending[-1:] == "-" and ending[:-1].strip() != "" and after[:1].isspace()


def render_math(text: str) -> tuple[str, list[str]]:
    """Each math span of `text` replaced by the placeholder `\\x00m<i>\\x00`, and the
    spans' renderings (or the spans as written, delimiters included and whitespace folded,
    where a rendering would not be faithful), for `texmode.restore` to put back once the
    text rules have run."""
    parts, rendered, at = [], [], 0
    for formula in formulas(text):
        parts += (text[at : formula.start], f"\x00m{len(rendered)}\x00")
        as_written = " ".join(text[formula.start : formula.end].split())
        rendering = render_formula(formula.content) or as_written
        touching = rendered and formula.start == at  # right after the last formula
        before = rendered[-1] if touching else text[: formula.start]
        if _rereads(before, rendering, text[formula.end :]):
            rendering = as_written
        rendered.append(rendering)
        at = formula.end
    parts.append(text[at:])
    return "".join(parts), rendered
