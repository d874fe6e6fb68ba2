"""The steps a stage's process runs, timed for the bench: with ABSTRACTS_STEPS naming a
file, each step appends a JSON line to it, its name, wall s, CPU s (its own and that of
the worker processes it waited for) and this process's peak resident set in bytes if it
rose during the step (else null: the peak was an earlier step's)."""

import json
import os
import re
import resource
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path

LOG = "ABSTRACTS_STEPS"


def step(name: str, function: Callable) -> Callable:
    """`function`, which logs its figures as step `name` when it returns, if LOG is set."""
    path = os.environ.get(LOG)
    if not path:
        return function

    @wraps(function)
    def timed(*args, **kwargs):
        started, cpu, peak = time.perf_counter(), _cpu(), _peak()
        result = function(*args, **kwargs)
        wall, cpu, now = time.perf_counter() - started, _cpu() - cpu, _peak()
        figures = {"step": name, "wall": wall, "cpu": cpu, "peak": now if now > peak else None}
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures) + "\n")
        return result

    return timed


def _cpu() -> float:
    """CPU s of this process and of its children waited for."""
    used = map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in used)


def _peak() -> int:
    """This process's peak resident set so far, in bytes (Linux; 0 elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found[1]) * 1024 if found else 0
