"""Time each stage's fixed start-up, against the goals: the best of RUNS fresh processes each.

    python bench/startup.py [--runs 5]

Before a stage reads anything it pays for its interpreter and its imports (pandas and
pandera for the schemas, pyarrow, its own modules): `python -c "import pipeline.stages.NAME,
..."` for every stage of dvc.yaml, each in a new process, measures that, with every stage
module its command runs (`pipeline.stages.code` reads them from the source: the parse
stage's normalize step, publish's report). `abstracts --help`
measures the command line itself, which imports a stage only when it runs. The best run of
each is the least disturbed by the rest of the machine; the first ones also compile
bytecode. Prints a table with `python -c pass` for reference (its floor) and the goals:
`abstracts --help` under 0.5 s, each stage under 1 s.

What a stage loads only once it has work is not counted: pandera's validation backend
(before the first rows are validated or workers forked: `schemas.derive.load_validation`;
it would import `hypothesis`, installed for the tests, and its plugins, 0.4 s more, but the
`abstracts` command keeps it out: `pipeline.cli.run`), numba's first compiled function and
wordfreq's list.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
GOAL_HELP_S, GOAL_STAGE_S = 0.5, 1.0


def commands() -> dict[str, tuple[list[str], float | None]]:
    """What is timed: a label for each command, its argv and its goal in seconds (None: a
    reference, no goal)."""
    python = sys.executable
    timed = {
        "python -c pass": ([python, "-c", "pass"], None),
        "abstracts --help": ([str(Path(python).parent / "abstracts"), "--help"], GOAL_HELP_S),
    }
    for stage in yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]:
        modules = ", ".join(stage_modules(stage))
        timed[f"import {modules}"] = ([python, "-c", f"import {modules}"], GOAL_STAGE_S)
    return timed


def stage_modules(stage: str) -> list[str]:
    """The stage modules that the stage's command (`abstracts STAGE`) runs, its own first."""
    from pipeline.stages import code

    found = code.Modules(ROOT).closure(ROOT / "pipeline" / "commands" / f"{stage}.py")
    names = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in found}
    own = f"pipeline.stages.{stage}"
    return [own, *sorted(n for n in names if n.startswith("pipeline.stages.") and n != own)]


def once(argv: list[str]) -> tuple[float, float]:
    """Wall s and CPU s of one run of `argv` in the project; exit if it fails."""
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, rusage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{' '.join(argv)} failed:\n{errors}")
    return wall, rusage.ru_utime + rusage.ru_stime


def measure(runs: int = RUNS) -> dict:
    """Every command's best wall s of `runs` (and that run's CPU s), with its goal and
    whether it met it (None without a goal)."""
    figures = {}
    for label, (argv, goal) in commands().items():
        best = min(once(argv) for _ in range(runs))
        wall, cpu = (round(seconds, 2) for seconds in best)  # judged as shown: 0.996 is 1.00
        met = None if goal is None else wall < goal
        figures[label] = {"argv": argv, "wall": wall, "cpu": cpu, "goal": goal, "met": met}
    return {"runs": runs, "commands": figures}


def render(results: dict) -> str:
    """The figures as a plain aligned table, each against its goal."""
    width = max(map(len, results["commands"])) + 2
    lines = [
        f"start-up, best of {results['runs']} runs",
        f"{'command':{width}}{'wall s':>8}{'CPU s':>8}{'goal':>10}",
    ]
    for label, row in results["commands"].items():
        goal = "-" if row["goal"] is None else f"< {row['goal']:g} s"
        verdict = "" if row["met"] is None else ("  PASS" if row["met"] else "  MISS")
        lines.append(f"{label:{width}}{row['wall']:>8.2f}{row['cpu']:>8.2f}{goal:>10}{verdict}")
    return "\n".join(lines)


def report(runs: int = RUNS) -> dict:
    """Measure, print the table, and return the figures."""
    results = measure(runs)
    print(render(results), flush=True)
    return results


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--runs", type=int, default=RUNS, help="runs of each command")
    report(arguments.parse_args().runs)


if __name__ == "__main__":
    main()
