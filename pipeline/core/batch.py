"""`features` of a whole column of raw spans at once, equal to calling it on each: the
per-row Python rules run only on the rows that need them.

A raw span is *plain* when no repair or LaTeX rule can change it: no control character
but the tab and the line ends, no exotic space or invisible character, no mojibake hint, no
HTML entity, no TeX (`$`, `\\`, `` ` ``, `''`, `~`, `--`), no combining mark set apart from
its letter by a blank, no hyphen break after a letter (judged with the word list), and
already NFC (RE2 and `unicodedata.is_normalized` tell: the NFC that `normalize` applies,
and six times faster than Arrow's). Its clean text is its
whitespace folded after the `Abstract:` marker (`fold_whitespace(strip_marker(raw))`), a
compiled pass (`utf8.fold`), and its only blanks are then the space and the newline. A span
that would be plain but for hyphen breaks, and holds no URL (which `clean` hides from the
fold), is *hyphenated*: its clean text is the same fold, in Python, which judges the breaks
with the word list (and NFC, since a break taken out joins two characters); its flags are
found as a plain span's. Every other span is cleaned row by row (`features.cleaned`).

Each flag of a plain text is then its rule's default, unless a cheap RE2 test, true
wherever the rule may give something else, says to run the rule on that row; word counts
are a compiled pass. What depends on the clean text alone (links, release statements, the
dedup key) is found for every row, slow or not, the same way: a compiled pass (`released`,
`utf8.key`) or an RE2 test, and the rule on the rows they cannot judge.
"""

import functools
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core import flags, urls, utf8
from pipeline.core.dedup import keys
from pipeline.core.defects import defects
from pipeline.core.features import cleaned, links, releases
from pipeline.core.normalize import nfc, strip_marker
from pipeline.core.released import released
from pipeline.core.whitespace import fold_whitespace

_NOT_PLAIN = (
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00a0\u00ad\u00c2\u00c3\u1680\u2000-\u200f"
    "\u017f\u2028-\u202f\u205f\u2060\u3000\ufeff$\\\\`~]|\u00e2\u20ac|--"
    "|&(?:#|[A-Za-z][A-Za-z0-9]*;)|''|\\s[\u0300-\u036f]"
)
_HYPHEN_BREAK = "[\\pL\\pN]-[ \t\r\n]"
# Where each rule may hold, on a clean plain text.
# Not on `.`, `!` or `?`, or on `...`: judged on the last three characters, the same.
_MAY_BE_TRUNCATED = r"(?:^|[^!?.]|\.\.\.)$"
# The rules' own words: the possessive's preceding words, the contractions.
_MAY_HAVE_LOST = (
    f"\ufffd|\\?|(?:^| )(?:{'|'.join(sorted(flags.BEFORE_POSSESSIVE))}) [A-Z][a-z]+s "
    f"|(?i:\\b(?:{'|'.join(sorted(flags.CONTRACTIONS))})\\b)"
)
_MAY_HAVE_DEFECTS = r"\\|- "  # or fewer lower-case ASCII letters than half the text
# A URL (`urls.may_hold_url`).
_MAY_LINK = "(?i:://|www\\.|" + "|".join(h.replace(".", "\\.") for h in urls.CODE_HOSTS) + ")"


def _rows(mask: pa.Array) -> np.ndarray:
    return np.flatnonzero(mask.to_numpy(zero_copy_only=False))


def _found(texts: pa.Array, patterns: list[str]) -> list[np.ndarray]:
    """The rows of `texts` where each RE2 pattern of `patterns` finds a match: any of them
    found in one pass over every row, then each on the rows found (RE2 costs about the
    same per byte whatever the pattern, and most texts match none)."""
    rows = _rows(pc.match_substring_regex(texts, "|".join(f"(?:{p})" for p in patterns)))
    found = texts.take(rows)
    return [rows[_rows(pc.match_substring_regex(found, pattern))] for pattern in patterns]


def _not_plain(text_raw: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the spans that are not plain: those cleaned row by row, and the
    hyphenated ones (see the module's docstring)."""
    unicode = _rows(pc.invert(pc.string_is_ascii(text_raw)))
    spans = text_raw.take(unicode).to_pylist()
    normalized = map(functools.partial(unicodedata.is_normalized, "NFC"), spans)
    not_nfc = unicode[~np.fromiter(normalized, bool)]
    other, broken = _found(text_raw, [_NOT_PLAIN, _HYPHEN_BREAK])
    linking = broken[_rows(pc.match_substring_regex(text_raw.take(broken), _MAY_LINK))]
    slow = np.union1d(np.union1d(other, not_nfc), linking)
    return slow, np.setdiff1d(broken, slow)


def _apply(out: dict, defaults: dict, text: pa.Array, ruled, rule, derived=(), slow=()):
    """Set `out`'s columns of `defaults` to these, but at the `slow` rows, whose values are
    `derived` (rows of `features.cleaned`), and at the `ruled` rows, where `rule` says (one value,
    or a row of them if it gives several columns)."""
    found = [rule(t) for t in text.take(ruled).to_pylist()] if len(ruled) else []
    rows = np.concatenate([slow, ruled]).astype(np.int64)
    for name, default in defaults.items():
        values = [row[name] for row in derived]
        values += [value[name] for value in found] if len(defaults) > 1 else found
        out[name] = utf8.replaced(default, rows, values)


def features_batch(text_raw: pa.Array) -> dict[str, pa.Array]:
    """`features` of every raw span in `text_raw` (a string array), as columns."""
    n, (slow, hyphenated) = len(text_raw), _not_plain(text_raw)
    derived = [cleaned(raw) for raw in text_raw.take(slow).to_pylist()]
    plain = np.ones(n, bool)
    plain[slow] = False
    texts = [row["text"] for row in derived]
    texts += [nfc(fold_whitespace(strip_marker(r))) for r in text_raw.take(hyphenated).to_pylist()]
    text = utf8.replaced(utf8.fold(text_raw, "abstract"), np.r_[slow, hyphenated], texts)
    words, lowers = utf8.counts(text)
    out = {"text": text, "n_chars": pc.utf8_length(text), "key": keys(text)}
    falses = pa.array(np.zeros(n, bool))
    empty = pa.array([[]] * n, pa.list_(pa.string()))
    said, unsure = released(text)
    lost, unlike_prose, linking = _found(text, [_MAY_HAVE_LOST, _MAY_HAVE_DEFECTS, _MAY_LINK])
    n_chars = out["n_chars"].to_numpy()
    rules = [  # (defaults, the rows where the rule may hold on a plain span's text, rule)
        ({"has_math": falses}, (), None),  # plain spans hold no `$` nor `\`
        ({"n_words": pa.array(words)}, (), None),
        (
            {"is_truncated": falses},
            _rows(pc.match_substring_regex(pc.utf8_slice_codeunits(text, -3), _MAY_BE_TRUNCATED)),
            flags.is_truncated,
        ),
        ({"has_lost_characters": falses}, lost, flags.has_lost_characters),
        (
            {"defects": pa.array(np.zeros(n, np.int64))},
            np.union1d(unlike_prose, np.flatnonzero(2 * lowers < n_chars)),
            defects,
        ),
    ]
    for defaults, ruled, rule in rules:  # each rule on the plain rows it may change
        ruled = np.asarray(ruled, np.int64)
        _apply(out, defaults, text, ruled[plain[ruled]], rule, derived, slow)
    every = [  # (defaults, the rows where the rule may hold on any text, rule): slow rows too
        ({"urls": empty, "code_repositories": empty}, linking, links),
        (
            {f"releases_{kind}": pa.array(values) for kind, values in said.items()},
            np.flatnonzero(unsure),
            releases,
        ),
    ]
    for defaults, ruled, rule in every:
        _apply(out, defaults, text, ruled, rule)
    linked = pc.greater(pc.list_value_length(out["code_repositories"]), 0)
    out["releases_code"] = pc.or_(out["releases_code"], linked)  # a repository is code
    return out
