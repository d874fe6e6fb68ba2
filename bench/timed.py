"""`abstracts` as the bench's builds run it: the real command, timed exactly.

The bench puts a script named `abstracts` ahead of the real one on PATH (`install`); DVC
runs it for each stage, and it runs the real command with the same arguments, then appends
a line to its log: the arguments, wall s, CPU s (the command's and that of the descendants
it waited for: a Ray cluster's workers are not among them), the largest resident set of
any of them in bytes (at least this wrapper's own, about 12 MB) and the wall s, CPU s and
peak of each step the command ran (`pipeline.commands.steps`: the parse stage parses,
normalizes and dedups). A stage of a fraction of a second can fall between two samples of /proc;
these figures cannot miss it.
"""

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from pipeline.commands import steps

LOG = "stages.jsonl"

SCRIPT = """#!{python}
import sys
sys.path.insert(0, {bench!r})
import timed
timed.run({real!r}, {log!r})
"""


def install(home: Path, env: dict) -> dict:
    """Write HOME/bin/abstracts, which runs the `abstracts` on env's PATH and appends its
    figures to HOME/stages.jsonl; return env with HOME/bin first on its PATH."""
    real = shutil.which("abstracts", path=env["PATH"])
    if real is None:
        sys.exit("abstracts: not on PATH; run `make env` first")
    script = home / "bin" / "abstracts"
    script.parent.mkdir(parents=True, exist_ok=True)
    bench, log = str(Path(__file__).resolve().parent), str(home / LOG)
    script.write_text(SCRIPT.format(python=sys.executable, bench=bench, real=real, log=log))
    script.chmod(0o755)
    return {**env, "PATH": f"{script.parent}{os.pathsep}{env['PATH']}"}


def run(real: str, log: str) -> None:
    """Run `real` with this process's arguments, log its figures, exit as it did (killed
    by the same signal if it was). A SIGTERM is passed on to it; a Ctrl-C reaches it from
    the terminal, as it reaches this process."""
    started = time.perf_counter()
    done = Path(log).with_name(f"steps-{os.getpid()}.jsonl")
    pid = os.posix_spawn(real, [real, *sys.argv[1:]], {**os.environ, steps.LOG: str(done)})
    signal.signal(signal.SIGTERM, lambda number, _: os.kill(pid, number))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _, status, usage = os.wait4(pid, 0)
    figures = {
        "args": sys.argv[1:],
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss": usage.ru_maxrss * 1024,
        "steps": [json.loads(line) for line in _lines(done)],
    }
    done.unlink(missing_ok=True)
    with open(log, "a") as out:
        out.write(json.dumps(figures) + "\n")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number != signal.SIGKILL:  # SIGKILL's handler is the default, and cannot be set
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    sys.exit(os.waitstatus_to_exitcode(status))


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def read(home: Path, stages: list[str]) -> dict[str, dict]:
    """Each stage's figures logged since the last read (summed if it ran more than once),
    with its steps' (`steps`: wall and CPU s, and the largest peak resident set of its
    process that a step raised, by step); empties the log."""
    found: dict[str, dict] = {}
    log = home / LOG
    for figures in map(json.loads, _lines(log)):
        if figures["args"] and figures["args"][0] in stages:
            zero = {"wall": 0.0, "cpu": 0.0, "maxrss": 0, "steps": {}}
            total = found.setdefault(figures["args"][0], zero)
            total["wall"] += figures["wall"]
            total["cpu"] += figures["cpu"]
            total["maxrss"] = max(total["maxrss"], figures["maxrss"])
            for done in figures["steps"]:
                none = {"wall": 0.0, "cpu": 0.0, "peak": None}
                step = total["steps"].setdefault(done["step"], none)
                step["wall"] += done["wall"]
                step["cpu"] += done["cpu"]
                step["peak"] = max(filter(None, (step["peak"], done["peak"])), default=None)
    log.unlink(missing_ok=True)
    return found
