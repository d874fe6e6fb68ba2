"""Tests of `pipeline.core.formulas`: math found by its delimiters, faithful or verbatim."""

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.core.formulas import formulas, render_formula, render_math
from pipeline.core.texmode import restore


def math(text: str) -> str:
    hidden, rendered = render_math(text)
    return restore(hidden, (), rendered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"over $100\times$ more", "over 100× more"),
        (r"over $2\sim5$ times", "over 2∼5 times"),
        (r"$\alpha$-helix", "α-helix"),
        (r"$O(n^2)$ and $n^{k}$", "O(n²) and nᵏ"),
        (r"$\mathbf{x}$, $10^{-4}$, $F_1$ and $F_{1}$", "x, 10⁻⁴, F₁ and F₁"),
        (r"$w_{t+1}$", "wₜ₊₁"),
        (r"$\frac{a+b}{2}$, $n = o(\sqrt{m})$", "(a+b)/2, n = o(√m)"),
        (r"${\sim}3\%$ and $>80\%$", "∼3% and >80%"),
        (r"$x^*$, BERT$^\dagger$, $f^\prime$, Duty$^\circledR$", "x*, BERT†, f′, Duty®"),
        (r"$\{mt, src\} \rightarrow pe$", "{mt, src} → pe"),
        (r"$\rm{P}(\rm{Y})$, $\mathbb{R}^n$, $\epsilon$-greedy", "P(Y), ℝⁿ, ε-greedy"),
        (r"$\leq \geq \neq \pm \cdot \infty \to \in \sum \ldots \cdots$", "≤ ≥ ≠ ± ⋅ ∞ → ∈ ∑ … ⋯"),
        (r"Multi$^2$OIE and I$^3$, $5$ times", "Multi²OIE and I³, 5 times"),
        (r"\(x^2\) and \[y_1\], $$E = mc^2$$", "x² and y₁, E = mc²"),
        (r"wait-$k$, $n$-gram, $(x,y)=(\log r, \log f)$", "wait-k, n-gram, (x,y)=(log r, log f)"),
        # real snippets of arxiv-2025: blanks inside, display math, adjacent formulas
        (r"for every $ k $ in $ \mathbb{Q} $", "for every k in ℚ"),
        (r"$ O \left( \frac{ n m}{1-\gamma} \right) $ samples", "O((n m)/(1-γ)) samples"),
        (r"speed-ups of $2.16\times$$\sim$$2.50\times$", "speed-ups of 2.16×∼2.50×"),
        (r"improves by $>$3% over", "improves by >3% over"),
        (r"$\sim$$3\times10^{11}$ pixel spectra", "∼3×10¹¹ pixel spectra"),
        (r"\begin{equation*} a=b \end{equation*} holds", "a=b holds"),
        (r"Biofouling$\unicode{x2013}$communities", "Biofouling–communities"),
        # operator names keep their spaces; scope is kept
        (r"$O(\sqrt{T\log{T}})$ regret", "O(√(T log T)) regret"),
        (r"$n\log n$ and $2\log_2 n$", "n log n and 2 log₂ n"),
        (r"$q \equiv 3\pmod{4}$", "q ≡ 3 (mod 4)"),
        (r"at 3.7 $^\circ$C", "at 3.7 °C"),
        (r"$B(0,1)\backslash\{0\}$", "B(0,1)∖{0}"),
        (r"$\log^{2d} n$", "log²ᵈ n"),
        (r"$\left\{ x \right\}$", "{x}"),
        (r"$\underline{p}$", "p̲"),
    ],
)
def test_render_math(text, expected):
    assert unicodedata.normalize("NFC", math(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        r"$\binom{n}{k}$",  # no faithful linear form
        r"$\unknownmacro{x}$",  # unknown: never `unknownmacrox`
        r"$a & b \\ c & d$",  # an alignment
        r"$\hat{xy}$",  # an accent over two letters
        r"$\sqrt[5]{x}$",  # no fifth-root sign
        r"$\left\{ \underbrace{x} \right.$",
        # scripts that Unicode cannot write: `n^{c₁}`, `ℓ_{1/2}` would be neither Unicode nor TeX
        r"$n^{c_1}d^{c_2}$",
        r"$RoBERTa_{large}$",
        r"F$_{0.5}$",
        r"$\ell_{1/2}$",
        r"$L_\infty$",
        r"$\Theta_\text{base}$",
        # arxiv-2025: math in text in math, paired by its braces, kept whole
        r"$\textbf{$\boldsymbol{\infty}$Bench+}$",
        r"$\textbf{28.5%$\rightarrow$71.4%}$",
    ],
)
def test_formulas_without_a_faithful_rendering_stay_as_written(text):
    assert math(f"a {text} b") == f"a {text} b"


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10.",
        "between $5 and $10 dollars",
        "in excess of $1.6 billion dollars, in aggregate, and $2 more",
        "Public works procurements move US$ 10 billion yearly",
        "the extremely high accuracy (>$ 90%) of the top ranked",
        "#Turki$hTweets is a benchmark dataset. #Turki$hTweets provides correct words.",
        "$$$ and $$$",
        r"escaped \$x\$ dollars",
    ],
)
def test_dollars_of_prose_are_no_formula(text):
    assert list(formulas(text)) == []
    assert math(text) == text


def test_prose_dollars_before_a_formula():
    text = "estimated to be $1 trillion by 2050. Currently, there is $n$ of them."
    assert math(text) == text.replace("$n$", "n")


# Formulas made of the pieces real abstracts use, known and unknown.
PIECES = [
    *"xyzn12+-=()[],.<> ", "^", "_", "{", "}", r"\alpha", r"\times", r"\log", r"\frac",
    r"\sqrt", r"\mathbb", r"\mathcal", r"\hat", r"\left(", r"\right)", r"\left\{",
    r"\right.", r"\text{a b}", r"\sim", r"\foo", r"\cite", "&", r"\\", r"\{", r"\}", r"\,",
]  # fmt: skip
formula_texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join)
# Letters and digits of a formula that are not part of a command's name.
_COMMAND = re.compile(r"\\[A-Za-z]+")


@settings(max_examples=500)
@given(formula_texts)
@example(r"\foo x")
@example(r"\left\{x^{2}\right.")
@example(r"\hat y")  # ŷ: its letter is y and a combining mark
def test_a_rendering_is_whole_and_keeps_every_letter_and_digit(content):
    rendered = render_formula(content)
    if rendered is None:
        return
    assert "\\" not in rendered and "\x01" not in rendered  # never half-rendered
    assert "^" not in rendered and "_" not in rendered  # a script is Unicode, or none is
    kept = [c for c in _COMMAND.sub(" ", content) if c.isalnum()]
    folded = iter(c for c in unicodedata.normalize("NFKD", rendered) if c.isalnum())
    assert all(c in folded for c in kept)  # in order: none dropped


@settings(max_examples=300)
@given(st.lists(st.sampled_from([*PIECES, "$", "$$", " a ", "5 and "]), max_size=30).map("".join))
def test_math_is_rendered_or_kept_whole_and_idempotent(text):
    _, pieces = render_math(text)
    for piece in pieces:  # a rendering with no command left, or the formula as written
        assert "\\" not in piece or piece in " ".join(text.split())
    once = math(text)
    assert math(once) == once or "$" in once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ACL: the fraction after an operator keeps its scope
        (r"$n \log_2 \frac{m}{n} + o(m)$", "n log₂ (m/n) + o(m)"),
        (r"$x = \frac{1}{2}$ and $2\frac{1}{2}$", "x = 1/2 and 2(1/2)"),
    ],
)
def test_fractions_keep_their_scope(text, expected):
    assert math(text) == expected
