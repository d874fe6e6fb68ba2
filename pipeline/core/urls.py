"""URLs in abstract text: found once, so normalization protects what enrichment lists."""

import re
from types import MappingProxyType

CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co")
# The lookahead (the first letters of `http`, `ftp`, `www` and the hosts) only makes the
# search fail fast where no URL starts.
URL = re.compile(
    f"(?=[hfw{''.join(host[0] for host in CODE_HOSTS)}])"
    r"(?:https?://|ftp://|www\.|\b(?:" + "|".join(map(re.escape, CODE_HOSTS)) + r")/)"
    r"[^\s<>\"`“”‘’«»]+",
    re.IGNORECASE,
)
_TRAILER = ".,;:!?'*"
_BRACKETS = MappingProxyType({")": "(", "]": "[", "}": "{"})


def trim(url: str) -> str:
    """Drop trailing punctuation, unbalanced closing brackets and an odd `$` (a formula's
    closing) from a matched URL."""
    while url:
        last = url[-1]
        unbalanced = last in _BRACKETS and url.count(last) > url.count(_BRACKETS[last])
        if last in _TRAILER or unbalanced or (last == "$" and url.count("$") % 2):
            url = url[:-1]
        else:
            break
    return url


def find(text: str) -> list[str]:
    """Every URL in the text, as written, without the punctuation that ends its sentence."""
    return [trim(match[0]) for match in URL.finditer(text)] if may_hold_url(text) else []


def may_hold_url(text: str) -> bool:
    """A cheap test, true wherever `URL` matches: the text holds `://`, `www.` or a code host."""
    return "://" in text or "www." in text or _names_code_host(text)


def _names_code_host(text: str) -> bool:
    """One of `CODE_HOSTS` is in the text. Each holds `.co` or `.org`, looked for first: fast."""
    return (".co" in text or ".org" in text) and any(host in text for host in CODE_HOSTS)
