"""English word frequencies from wordfreq, cached, on the zipf scale: log10 of occurrences
per billion words (0.0 for an unknown word, 3 for one in a million, 7.73 for `the`).

wordfreq loads on first use (0.2 s to import, 0.2 s to read its English list), so importing
this module costs nothing; its data is pinned with the package, so the answers are too.
"""

from bisect import bisect_left, bisect_right
from functools import cache, lru_cache
from math import log10

# The rarest word that `extension_zipf` considers: one in a million words.
FREQUENT = 3.0


@lru_cache(maxsize=1 << 16)
def zipf(word: str) -> float:
    """The zipf frequency of `word` in English, case aside (`Google` as `google`); a phrase
    or compound (`real-time`) is rated as wordfreq combines its tokens."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def load() -> None:
    """Read wordfreq's English list (and sort its frequent words) now rather than at the
    first word rated."""
    zipf("the")
    _frequent_words()


def is_word(word: str) -> bool:
    """`word` is one English word of letters that wordfreq knows (zipf above 0: `imbalanced`,
    not `selfsupervised`); callers weigh how frequent it is."""
    return word.isalpha() and zipf(word) > 0


@lru_cache(maxsize=1 << 12)
def extension_zipf(prefix: str) -> float:
    """The zipf frequency of the most frequent English word of letters that strictly extends
    the lower-case `prefix` (`avail`: 5.28, of `available`), 0.0 if none is `FREQUENT`."""
    words, zipfs = _frequent_words()
    start, stop = bisect_right(words, prefix), bisect_left(words, prefix + "\U0010ffff")
    return max(zipfs[start:stop], default=0.0)


@cache
def _frequent_words() -> tuple[list[str], list[float]]:
    """The `FREQUENT` English words of letters, sorted, and their zipf frequencies."""
    from wordfreq import get_frequency_dict

    frequencies = get_frequency_dict("en")  # the list that `zipf` reads, by word
    least = 10 ** (FREQUENT - 9)
    words = sorted(w for w, f in frequencies.items() if f >= least and w.isalpha())
    return words, [round(log10(frequencies[w]) + 9, 2) for w in words]  # as `zipf` rates them
