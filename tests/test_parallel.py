"""Grouping many small items into few tasks; loading beside a map; maps in threads."""

import multiprocessing
import os
import threading
import time

from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.parallel import THREADS, group_limit, grouped, ordered_map, threaded


@given(st.lists(st.integers(0, 1000), max_size=60), st.integers(1, 2000))
def test_groups_are_the_items_in_order_each_within_the_limit(sizes, limit):
    groups = list(grouped(enumerate(sizes), limit))
    assert [item for group in groups for item in group] == list(range(len(sizes)))
    totals = [sum(sizes[i] for i in group) for group in groups]
    for group, total in zip(groups, totals, strict=True):
        assert group and (len(group) == 1 or total <= limit)
    for total, after in zip(totals, groups[1:], strict=False):  # a group ends only where
        assert total + sizes[after[0]] > limit  # the next item would not fit
    assert len(groups) <= 2 * sum(sizes) // limit + 1  # so two groups in a row pass it


def test_the_items_are_read_as_groups_are_taken():
    taken = []
    sized = ((taken.append(i) or i, 1) for i in range(100))
    assert next(grouped(sized, 3)) == [0, 1, 2] and taken == [0, 1, 2, 3]


@given(st.integers(0, 10**9), st.integers(1, 10**6), st.integers(1, 64))
@example(0, 2, 1)  # nothing to group: groups of 1
def test_each_task_gets_about_four_groups_of_at_most_most(total, most, tasks):
    limit = group_limit(total, most, tasks)
    assert 1 <= limit <= most
    # the smallest size (1 at least) at which each task gets four groups at most
    assert (
        limit == most
        or limit * 4 * tasks >= total
        and (limit == 1 or total > (limit - 1) * 4 * tasks)
    )


def _pid(_) -> int:
    return os.getpid()


def test_meanwhile_runs_in_a_thread_of_this_process_once_the_workers_forked():
    ran = []

    def note():
        ran.append((os.getpid(), threading.get_ident(), len(multiprocessing.active_children())))

    mapped = list(ordered_map(_pid, range(4), 2, note))
    assert os.getpid() not in mapped  # the map ran on the workers
    assert ran == [(os.getpid(), ran[0][1], 2)] and ran[0][1] != threading.get_ident()


def test_a_map_closed_early_waits_for_meanwhile():
    loaded = threading.Event()

    def load():
        time.sleep(0.2)
        loaded.set()

    mapped = ordered_map(abs, [-1, 2, -3], 2, load)
    assert next(mapped) == 1
    mapped.close()
    assert loaded.is_set()


def test_an_error_meanwhile_is_left_to_the_callers_own_load():
    def fail():
        raise RuntimeError("not loaded")

    assert list(ordered_map(abs, [-1, 2], 2, fail)) == [1, 2]


def test_one_process_maps_here_and_loads_nothing_meanwhile():
    ran = []
    assert list(ordered_map(abs, [-1, 2], 1, lambda: ran.append(1))) == [1, 2] and not ran


def test_threaded_maps_in_order_in_other_threads_few_items_at_once():
    """Results in the items' order, whatever order the threads finish in; never more than
    THREADS items started and not taken; items read as they are needed."""
    running, most, lock = set(), [0], threading.Lock()

    def slow(i):
        with lock:
            running.add(i)
            most[0] = max(most[0], len(running))
        time.sleep(0.005 * (3 - i % 3))  # later items often finish first
        with lock:
            running.discard(i)
        return i * i, threading.get_ident()

    taken = []
    results = threaded(slow, (taken.append(i) or i for i in range(24)))
    first = next(results)
    assert first[0] == 0 and len(taken) <= THREADS
    got = [first, *results]
    assert [square for square, _ in got] == [i * i for i in range(24)]
    assert most[0] == THREADS and threading.get_ident() not in {ident for _, ident in got}
