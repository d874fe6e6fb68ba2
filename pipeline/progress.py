"""Progress bars that stay quiet where nobody watches them."""

import os
import sys

from tqdm import tqdm


def quiet() -> bool:
    """True under CI or when stderr is not a terminal."""
    return bool(os.environ.get("CI")) or not sys.stderr.isatty()


def progress(iterable=None, **options):
    """`iterable` wrapped in a progress bar on stderr, unless `quiet()`."""
    return tqdm(iterable, disable=quiet(), file=sys.stderr, **options)
