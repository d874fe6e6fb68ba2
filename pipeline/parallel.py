"""Run a function over many items in worker processes, in order, with bounded memory."""

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from multiprocessing import Pool

from schemas.derive import load_validation


def workers(setting: int, tasks: int) -> int:
    """Processes to start: `setting` (0 for one per core), at most one per task, at least 1."""
    return max(1, min(setting or os.cpu_count() or 1, tasks))


@contextmanager
def mapper(processes: int) -> Iterator[Callable[[Callable, Iterable], Iterator]]:
    """An ordered `map` across `processes` worker processes, forked now: a caller that will
    hold much memory starts them first, so that they share none of it (a fork keeps alive
    every page its parent changes after it). Validation is loaded first, once: the workers
    validate what they write."""
    if processes == 1:
        yield map
        return
    load_validation()
    with Pool(processes) as pool:
        yield partial(_ordered, pool, processes)


def _ordered(pool, processes: int, function: Callable, items: Iterable) -> Iterator:
    """`map(function, items)` on `pool`, in order, with at most 2 tasks per process in
    flight, so that neither inputs nor results pile up in memory."""
    pending = deque()
    for item in items:
        pending.append(pool.apply_async(function, (item,)))
        if len(pending) >= 2 * processes:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def ordered_map(function: Callable, items: Iterable, processes: int) -> Iterator:
    """`map(function, items)` across `processes` worker processes, in order."""
    with mapper(processes) as run:
        yield from run(function, items)
