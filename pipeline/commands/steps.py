"""The steps a stage's process runs, timed for the bench: with ABSTRACTS_STEPS naming a
file, each step appends a JSON line to it, its name, wall s and CPU s (its own and that of
the worker processes it waited for)."""

import json
import os
import resource
import time
from collections.abc import Callable
from functools import wraps

LOG = "ABSTRACTS_STEPS"


def step(name: str, function: Callable) -> Callable:
    """`function`, which logs its figures as step `name` when it returns, if LOG is set."""
    path = os.environ.get(LOG)
    if not path:
        return function

    @wraps(function)
    def timed(*args, **kwargs):
        started, cpu = time.perf_counter(), _cpu()
        result = function(*args, **kwargs)
        figures = {"step": name, "wall": time.perf_counter() - started, "cpu": _cpu() - cpu}
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures) + "\n")
        return result

    return timed


def _cpu() -> float:
    """CPU s of this process and of its children waited for."""
    used = map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in used)
