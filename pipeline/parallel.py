"""Run a function over many items, in order, with bounded memory: in worker processes on
this machine (the `local` engine) or as tasks on a Ray cluster (`ray`, pipeline/cluster.py).
Every stage maps the same functions on both, so both build the same bytes."""

import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from multiprocessing import Pool
from operator import methodcaller

from pipeline.engine import Engine
from schemas.derive import load_validation

ENGINE = Engine()  # the process's engine, set by the stage commands (`use`)
# Threads a process reads or writes Parquet files in: pyarrow decodes, encodes and
# compresses without holding the interpreter.
THREADS = 2


def use(engine: Engine) -> None:
    """Run this process's maps on `engine`; on Ray, join its cluster now, so that one that
    cannot be reached stops the stage before it starts."""
    global ENGINE
    ENGINE = engine
    if engine.name == "ray":
        from pipeline import cluster  # the local engine never imports Ray

        cluster.connect(engine.address)


def workers(setting: int, tasks: int) -> int:
    """Processes to start: `setting` (0 for one per core), at most one per task, at least 1."""
    return max(1, min(setting or os.cpu_count() or 1, tasks))


def capacity(setting: int) -> int:
    """How many tasks run at once: the Ray cluster's CPUs on the `ray` engine, else the
    processes `setting` asks for (0: one per core)."""
    if ENGINE.name == "ray":
        from pipeline import cluster

        return cluster.cpus(ENGINE.address)
    return setting or os.cpu_count() or 1


def group_limit(total: int, most: int, tasks: int) -> int:
    """The size of a group of items (`grouped`) of `total` size: at most `most`, and at most
    a quarter of a share when `tasks` run at once, so that each gets about four groups."""
    return max(1, min(most, -(-total // (4 * tasks))))


def grouped(sized: Iterable[tuple[object, int]], limit: int) -> Iterator[list]:
    """The items of `sized` ((item, size) pairs) in consecutive groups, each to map as one
    task, read as they come: a group holds what fits in `limit` together, or one item
    larger. A task's fixed costs (validating a table) are then paid once per group of
    small items, not once per item."""
    group, size = [], 0
    for item, n in sized:
        if group and size + n > limit:
            yield group
            group, size = [], 0
        group.append(item)
        size += n
    if group:
        yield group


@contextmanager
def mapper(
    processes: int, meanwhile: Callable[[], None] | None = None
) -> Iterator[Callable[[Callable, Iterable], Iterator]]:
    """An ordered `map` across `processes` worker processes, forked now: a caller that will
    hold much memory starts them first, so that they share none of it (a fork keeps alive
    every page its parent changes after it). Validation is loaded first, once: the workers
    validate what they write. On the `ray` engine, the map runs on the cluster instead.

    `meanwhile`, what the caller will load later (numba's compiled functions, a word list),
    runs in a thread of this process from the first map on, the workers already forked,
    and is waited for on leaving. It only loads early what the caller loads again where it
    needs it, so its error is left for that load to meet, in its place. With one process
    the map runs here, and nothing beside it."""
    if ENGINE.name == "ray":
        from pipeline import cluster

        with _beside(partial(cluster.ordered_map, ENGINE.address), meanwhile) as run:
            yield run
        return
    if processes == 1:
        yield map
        return
    load_validation()
    gc.freeze()  # the workers' collector never scans what they inherit (nor copies its pages)
    with Pool(processes) as pool, _beside(partial(_ordered, pool, 2 * processes), meanwhile) as run:
        yield run


@contextmanager
def _beside(run: Callable, function: Callable[[], None] | None) -> Iterator[Callable]:
    """The map `run`, starting `function` (if any) in a thread at its first call; leaving
    waits for the thread (its error dropped: see `mapper`)."""
    if function is None:
        yield run
        return
    started = []
    with ThreadPoolExecutor(1) as thread:

        def mapped(*args):
            if not started:
                started.append(thread.submit(function))
            return run(*args)

        yield mapped


def _ordered(pool, window: int, function: Callable, items: Iterable) -> Iterator:
    """`map(function, items)` on `pool`, in order, with at most `window` tasks in flight, so
    that neither inputs nor results pile up in memory."""

    def start(item):
        return pool.apply_async(function, (item,))

    return in_order(start, items, window, methodcaller("get"))


def in_order(start: Callable, items: Iterable, window: int, finish: Callable) -> Iterator:
    """`finish(start(item))` for each item, in order, with at most `window` items started
    and not finished."""
    pending = deque()
    for item in items:
        pending.append(start(item))
        if len(pending) >= window:
            yield finish(pending.popleft())
    while pending:
        yield finish(pending.popleft())


def threaded(function: Callable, items: Iterable) -> Iterator:
    """`map(function, items)` in `THREADS` threads of this process, in order, with at most
    `THREADS` items started and not finished (items are taken as they are needed, so a
    generator's own work runs beside the threads')."""
    with ThreadPoolExecutor(THREADS) as pool:
        yield from in_order(partial(pool.submit, function), items, THREADS, Future.result)


def ordered_map(
    function: Callable,
    items: Iterable,
    processes: int,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator:
    """`map(function, items)` across `processes` worker processes, in order (`meanwhile`:
    see `mapper`)."""
    with mapper(processes, meanwhile) as run:
        yield from run(function, items)
