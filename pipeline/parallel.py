"""Run a function over many items in worker processes, in order, with bounded memory."""

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import get_context


def workers(setting: int, tasks: int) -> int:
    """Processes to start: `setting` (0 for one per core), at most one per task, at least 1."""
    return max(1, min(setting or os.cpu_count() or 1, tasks))


def ordered_map(
    function: Callable, items: Iterable, processes: int, fresh: bool = False
) -> Iterator:
    """`map(function, items)` across `processes`, in order, with at most 2 tasks per process
    in flight, so that neither inputs nor results pile up in memory.

    Workers are forks of this process, or with `fresh` new processes (spawn): for a
    caller holding much memory, which forks would keep alive while the caller changes it."""
    if processes == 1:
        yield from map(function, items)
        return
    with get_context("spawn" if fresh else "fork").Pool(processes) as pool:
        pending = deque()
        for item in items:
            pending.append(pool.apply_async(function, (item,)))
            if len(pending) >= 2 * processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
