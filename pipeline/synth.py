"""Synthetic raw dumps grown from real abstracts, with known duplicates, for tests and
benchmarks: exact variants (re-wrapped, case and punctuation changed), near copies (words
changed, a sentence added), truncated copies, noise lines and varying blank lines."""

import itertools
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.dedup import UNSPACED_CHARACTER

# Blocks are shuffled this many at a time, so that a corpus of any size is made in bounded
# memory (a block holds a few KB).
WINDOW = 1_000_000
NOISE = ["Download PDF", "Shammie", "[PDF]", "John Smith", "Cite this paper"]


@dataclass(frozen=True)
class Block:
    """One abstract to write: its text, the original it copies, and how it was made."""

    text: str
    original: int  # the serial number of the original it copies
    kind: str  # original, exact, near or truncated


def read_abstracts(folder: Path) -> list[str]:
    """The text after `Abstract:` of every one-line record in the dumps of `folder`."""
    texts = []
    for path in sorted(folder.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Abstract:") and line[9:].strip():
                texts.append(line[9:].strip())
    return texts


def exact_variant(text: str, rng: random.Random) -> str:
    """The same text up to case, punctuation and spacing: re-wrapped, recased, repunctuated."""
    choice = rng.randrange(3)
    if choice == 0:
        lines, line = [], ""
        for word in text.split():
            if len(line) + len(word) > rng.randint(50, 90) and line:
                lines.append(line)
                line = ""
            line = f"{line} {word}" if line else word
        return "\n".join([*lines, line])
    if choice == 1:
        return text.lower() if rng.random() < 0.5 else text.upper()
    return text.replace(",", "").replace(" ", "  ", 3)


def near_variant(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """The text with one to three words changed, or a sentence added at its end."""
    words = text.split()
    if rng.random() < 0.5 or len(words) < 40:
        return f"{text} {rng.choice(['We', 'Our results'])} also release the code and data."
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(len(words))] = rng.choice(vocabulary)
    return " ".join(words)


def fresh_variant(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """Another abstract in the style of `text`: half its words (in scripts written without
    spaces, half its characters) replaced, so that it shares few word shingles with `text`
    or with any other fresh variant of it."""

    def fresh(word: str) -> str:
        if UNSPACED_CHARACTER.search(word):
            return UNSPACED_CHARACTER.sub(
                lambda m: chr(rng.randint(0x4E00, 0x9FFF)) if rng.random() < 0.5 else m[0], word
            )
        return rng.choice(vocabulary) if word.isalpha() and rng.random() < 0.5 else word

    return " ".join(map(fresh, text.split()))


def truncated_variant(text: str, rng: random.Random) -> str:
    """The text cut at 40% to 95% of its length, often mid-word."""
    return text[: int(len(text) * rng.uniform(0.4, 0.95))].rstrip()


def blocks(
    originals: list[str],
    n: int,
    duplicate_rate: float,
    seed: int,
    window: int = WINDOW,
    copies: int = 1,
) -> Iterator[Block]:
    """`n` abstracts: originals in turn (after the first round, fresh variants of them, so
    that every original is distinct), each followed by `copies` tries at a copy, each made
    with probability `duplicate_rate` (exact, near or truncated in equal shares), in a
    shuffled order, `window` blocks at a time (an original and its copies are in the same
    window)."""
    rng = random.Random(seed)
    vocabulary = sorted(
        {w for text in originals[:500] for w in text.split() if w.isascii() and w.isalpha()}
    )
    made: list[Block] = []
    serial = count = 0
    while count < n:
        text = originals[serial % len(originals)]
        if serial >= len(originals):
            text = fresh_variant(text, rng, vocabulary)
        made.append(Block(text, serial, "original"))
        count += 1
        for _ in range(copies):
            if rng.random() < duplicate_rate and count < n:
                kind = rng.choice(["exact", "near", "truncated"])
                if kind == "exact":
                    copy = exact_variant(text, rng)
                elif kind == "near":
                    copy = near_variant(text, rng, vocabulary)
                else:
                    copy = truncated_variant(text, rng)
                made.append(Block(copy, serial, kind))
                count += 1
        serial += 1
        if len(made) >= window or count >= n:
            rng.shuffle(made)
            yield from made
            made = []


def write_dumps(items: Iterable[Block], folder: Path, per_dump: int, seed: int) -> list[Path]:
    """Write the blocks as dumps of `per_dump` abstracts, with 0-4 blank lines between
    records, a noise line now and then; return the paths, in order."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths, items = [], iter(items)
    while dump := list(itertools.islice(items, per_dump)):
        parts = [rng.choice(NOISE) + "\n"] if rng.random() < 0.3 else []
        for block in dump:
            parts.append(f"Abstract:{block.text}\n")
            if rng.random() < 0.01:
                parts.append(f"\n{rng.choice(NOISE)}\n")
            parts.append("\n" * rng.randint(0, 4))
        path = folder / f"synth_{len(paths):05d}.txt"
        path.write_text("".join(parts), encoding="utf-8")
        paths.append(path)
    return paths


def pair_scores(predicted: list[str], truth: list[int]) -> tuple[float, float]:
    """(precision, recall) of the pairs of items put in one group, against the true groups."""
    cells = Counter(zip(predicted, truth, strict=True))

    def pairs(counts) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    together = pairs(cells.values())
    found, true = pairs(Counter(predicted).values()), pairs(Counter(truth).values())
    return (together / found if found else 1.0), (together / true if true else 1.0)
