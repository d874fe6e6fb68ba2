"""Tests of `pipeline.core.texmode`: text-mode LaTeX rendered, URLs and formulas sheltered."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.texmode import (
    protect_urls,
    render_commands,
    render_latex,
    render_tex_quotes,
    render_ties,
    restore,
    shelter,
)

PLAIN = "The R&D budget rose 95% in 2020 (see https://x.org/a_b?c=1&d=2)."


def latex(text: str) -> str:
    """Every LaTeX rule of a text, with nothing else (no whitespace folding)."""
    hidden, urls = shelter(text)
    hidden, formulas = render_latex(hidden)
    return unicodedata.normalize("NFC", restore(hidden, urls, formulas))


URLS = [
    "https://github.com/owner/repo_name",
    "http://x.org/a_b%20c",
    "www.example.com/~user",
    "https://x.org/search?a=1&b=2&c=$x$",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
]


@pytest.mark.parametrize("url", URLS)
def test_protect_urls_round_trip(url):
    text = f"See {url}, or ({url}). And `{url}'."
    hidden, urls = protect_urls(text)
    assert url not in hidden and urls == (url, url, url)
    assert restore(hidden, urls) == text


def test_protect_urls_unescapes_tex_inside_urls():
    hidden, urls = protect_urls(r"see https://github.com/a/b\_c.")
    assert urls == ("https://github.com/a/b_c",)
    assert hidden == "see \x000\x00."


@pytest.mark.parametrize("url", URLS)
def test_urls_stay_as_written(url):
    text = rf"Code: {url} for $\alpha$ and 95\% of ``it''."
    assert latex(text) == f"Code: {url} for α and 95% of “it”."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\textit{x} \textbf{y} \emph{z} \texttt{w}", "x y z w"),
        (r"\textbf{\emph{nested}}", "nested"),
        (r"20\% \& a\_b \#1 \$5 \{x\}", "20% & a_b #1 $5 {x}"),
        (r"one\'s, don\'t, it\'s", "one's, don't, it's"),
        (r"say \"hi\"", 'say "hi"'),
        (r"Poincar\'e, Schr\"odinger, {\'e}t{\'e}, \c{c}a", "Poincaré, Schrödinger, été, ça"),
        # accents of arxiv-2025: tildes and macrons in a word, on a word's first letter, on i
        (r"Do\~nana, espa\~nol, n\~ao, iky\=anve", "Doñana, español, não, ikyānve"),
        (r"\'Erudit, el \'unico, vis-\`a-vis, dialects-\"U-Tsang", "Érudit, el único, vis-à-vis"),
        (r"dialects-\"U-Tsang", "dialects-Ü-Tsang"),
        (r"na\"{\i}ve, {\'\i}, \^{\j}", "naïve, í, ĵ"),
        (r"\"Hello\" and \'Ok\' stay quoted", "\"Hello\" and 'Ok' stay quoted"),
        (r"\textbf{\color{ddt}D}ecoupled", "Decoupled"),
        (r"\LaTeX{} and \TeX, \ldots", "LaTeX and TeX, …"),
        # a symbol before another command: what it renders does not join the symbol's name
        (r"\alpha\'a, \ss\textbf{x}", "αá, ßx"),
        (r"line\\break", "line break"),
        ("95% R&D, 5 < 6", "95% R&D, 5 < 6"),
        # real snippets of arxiv-2025
        (r"a {\em very} strong and {\it robust}, {\bf simple} model", "a very strong and robust,"),
        (r"with 360{\deg} rotation and 5.7{\deg} error", "with 360° rotation and 5.7° error"),
        (r"the sink \textemdash\ a token", "the sink — a token"),
        (r"(\text{D\textsuperscript{2}SP\textsuperscript{2}-LiDAR})", "(D²SP²-LiDAR)"),
        (r"models \citep{helff2024llavaguard, b}", "models [helff2024llavaguard, b]"),
        (r"settings\footnote{The code is public.}", "settings (The code is public.)"),
        (r"impor\-tant", "important"),
        (r"\textcolor{magenta}{GitHub}", "GitHub"),
        # unknown commands stay as written, never glued to their argument
        (r"we propose \name, and \method{} with \underline{p}", r"propose \name, and \method{}"),
        (r"mAP\textsubscript{50:95}", r"mAP\textsubscript{50:95}"),
    ],
)
def test_render_commands(text, expected):
    assert expected in unicodedata.normalize("NFC", render_commands(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"see \href{https://x.org/a_b}{here}.", "see here (https://x.org/a_b)."),
        (
            r"at \href{https://github.com/cat-wwh/BEV-GS}{\texttt{https://github.com/cat-wwh/BEV-GS}}",
            "at https://github.com/cat-wwh/BEV-GS",
        ),
        (r"\href{https://x.org}{\textcolor{magenta}{GitHub}}.", "GitHub (https://x.org)."),
        (
            r"page: \hyperlink{https://x.github.io/p}{https://x.github.io/p}",
            "https://x.github.io/p",
        ),
        (r"\url{https://x.org/a\_b}", "https://x.org/a_b"),
        # arxiv-2025: `\href` with its URL alone, or blanks inside the URL's braces
        (r"available at \href{https://x.netlify.app/}.", "available at https://x.netlify.app/."),
        (r"at \href{https://github.com/Z/T }{T}.", "at T (https://github.com/Z/T)."),
        (r"at: \href{github}{https://github.com/x", r"at: \href{github}{https://github.com/x"),
        # arxiv-2025: a link inside math, whose URL must not take the closing dollar
        (
            r"see $\href{https://x.org/CK}{\text{this https URL}}$.",
            "this https URL (https://x.org/CK).",
        ),
        ("with 1~GB of memory", "with 1 GB of memory"),
        ("evaluation methods~--~document-agnostic", "evaluation methods – document-agnostic"),
    ],
)
def test_links(text, expected):
    assert expected in latex(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("treat TTA models as a ``blackbox'' and", "treat TTA models as a “blackbox” and"),
        ("a `single' quote", "a ‘single’ quote"),
        ("`it's fine' he said", "‘it's fine’ he said"),
        ("``wrapped\nquote''", "“wrapped\nquote”"),
        ("don't touch 'this' or `code`", "don't touch 'this' or `code`"),
        ("``across\n\nparagraphs''", "``across\n\nparagraphs''"),
        # arxiv-2025: a TeX quote closed by hand, and two apostrophes for quotes
        (
            'the task of ``robust dataset distillation", a',
            "the task of “robust dataset distillation”, a",
        ),
        ("artifacts known as ''floaters'' that", "artifacts known as “floaters” that"),
        ("f''(x) and g'' stay", "f''(x) and g'' stay"),
        (
            "a \"one-click fix'' and ''left\" or ''right\"",
            "a “one-click fix” and “left” or “right”",
        ),
        ('say "hi" and "bye"', 'say "hi" and "bye"'),
        # a double quote inside: which quote closes would be a guess, so all stay
        ("``the \"best\" model''", "``the \"best\" model''"),
    ],
)
def test_render_tex_quotes(text, expected):
    assert render_tex_quotes(text) == expected


def test_quotes_of_two_apostrophes_are_rendered_in_a_text_without_other_tex():
    assert latex("artifacts known as ''floaters'' that") == "artifacts known as “floaters” that"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("machine translation~(NAT)", "machine translation (NAT)"),
        ("Fig.~3 and on~9 tasks", "Fig. 3 and on 9 tasks"),
        (
            "~5% and 2~4% and 1~3 and (~2Mb) and (~ 10)",
            "~5% and 2~4% and 1~3 and (~2Mb) and (~ 10)",
        ),
        ("challenges: (1)~how to and (i)~training", "challenges: (1) how to and (i) training"),
        (
            "Optimization (GRPO)~\\cite{x} and (2024)~[y]",
            "Optimization (GRPO) \\cite{x} and (2024) [y]",
        ),
        # arxiv-2025: ties beside a dash's blanks (folded later)
        ("three tasks~ – ~binary, graded", "three tasks  –  binary, graded"),
    ],
)
def test_render_ties(text, expected):
    assert render_ties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"a discount factor~$\gamma$", "a discount factor γ"),
        ("pages 3--5 and a break --- here", "pages 3–5 and a break — here"),
        ("arrows --> and <-- and rules ----", "arrows --> and <-- and rules ----"),
        (r"verbatim $\foo{x}$ is not touched: $a--b\_c$", r"verbatim $\foo{x}$ is not"),
    ],
)
def test_render_latex(text, expected):
    assert expected in latex(text)


def test_plain_text_stays():
    assert latex(PLAIN) == PLAIN
    assert latex("It costs $5 and $10.") == "It costs $5 and $10."


TEXT_PIECES = [
    *"ab .,{}~-`'", r"\emph{", r"\textbf{", "{\\em ", r"\foo", r"\%", r"\-", "--", "$x$",
    r"$\bar$", "https://x.org/a-b ", "``", "''",
]  # fmt: skip


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=25).map("".join))
def test_rendering_is_idempotent_and_unknown_commands_stay(text):
    once = latex(text)
    assert latex(once) == once or "$" in text or "\\" in once
    assert once.count(r"\foo") == text.count(r"\foo")  # never dropped, never glued
