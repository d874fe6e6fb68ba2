"""`make bench` end to end on a small corpus: every stage measured, the floor, the ratio."""

import json
import re
import subprocess
import sys

import yaml

from bench.workspace import ROOT

N = 3000


def positive(cell: str) -> bool:
    return re.fullmatch(r"[\d,]*\.?\d+", cell) is not None and float(cell.replace(",", "")) > 0


# The steps that the stages' processes run: parse, normalize, dedup; publish, report.
STEPS = [("parse", "parse"), ("parse", "normalize"), ("parse", "dedup")]
STEPS += [("publish", "publish"), ("publish", "report")]


def test_bench_measures_every_stage_and_the_floor(tmp_path, acl_corpus):
    done = subprocess.run(
        [sys.executable, "bench/run.py", str(N), "--workdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stages = list(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"])
    # The full build's table comes first: every stage ran, each with five positive figures.
    table = re.search(r"^full build.*\n.*\n((?:.+\n)+)", done.stdout, re.M)
    assert table, done.stdout
    cells = {line.split()[0]: line.split()[1:] for line in table[1].splitlines()}
    for stage in [*stages, "total"]:
        figures = cells.get(stage, [])
        assert len(figures) == 5 and all(positive(f) for f in figures), (stage, figures)
    # Each stage's steps under it, wall and CPU, and the process's peak if the step raised
    # it ("-" if an earlier step reached it); its start-up is the rest.
    steps = [f"{stage}/{step}" for stage, step in STEPS]
    names = list(cells)
    for stage in ("parse", "publish"):  # each stage's steps follow it
        own = [step for step in steps if step.startswith(f"{stage}/")]
        assert names[names.index(stage) + 1 :][: len(own)] == own, names
    for step in steps:
        wall, cpu, peak = cells[step][:3]
        assert positive(wall) and positive(cpu) and (peak == "-" or positive(peak)), cells[step]
    for stage in ("parse", "publish"):
        walls = [float(cells[s][0].replace(",", "")) for s in steps if s.startswith(stage)]
        assert sum(walls) < float(cells[stage][0].replace(",", ""))
    floor = re.search(r"^floor: wall ([\d.]+) s, CPU ([\d.]+) s", done.stdout, re.M)
    ratio = re.search(
        r"^full build / floor: ([\d.]+)x \(goal .*\): (PASS|MISS)$", done.stdout, re.M
    )
    assert floor and ratio, done.stdout
    assert float(floor[1]) > 0 and float(ratio[1]) > 0

    results = json.loads((tmp_path / f"results-mixed-{N}.json").read_text())
    assert results["n"] == N and results["floor"]["texts"] == N
    for stage in [*stages, "total"]:
        assert all(value > 0 for value in results["full"][stage].values()), stage
    assert results["floor"]["wall"] > 0
    assert results["ratio"] == results["full"]["total"]["wall"] / results["floor"]["wall"]
    for key in ("incremental", "incremental_new"):  # a dump with copies, then new abstracts
        assert results[key]["total"]["wall"] > 0 and results["incremental_ratio"][key] > 0
        written = results["shards_written"][key]
        assert set(written) == {"default", "occurrences", "rejects"}, written
        assert all(0 <= new <= total for new, total in written.values()), written
    # Then the start-up of the command line and of every stage, as bench/startup.py prints it.
    assert re.search(r"^start-up, best of \d+ runs$", done.stdout, re.M), done.stdout
    timed = results["startup"]["commands"]
    assert "abstracts --help" in timed
    assert {label.split(",")[0] for label in timed} >= {
        f"import pipeline.stages.{s}" for s in stages
    }


def test_bench_on_ray_measures_each_stage_against_the_local_engine(tmp_path, acl_corpus):
    """`make bench ENGINE=ray`: the full build again on a two-node cluster, every stage's
    wall against the local build's, and the cluster's own CPU and memory."""
    n = 1000
    done = subprocess.run(
        [sys.executable, "bench/run.py", str(n), "--workdir", str(tmp_path), "--engine", "ray"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stages = list(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"])
    table = re.search(
        r"^the Ray engine against the local one.*\n.*\n((?:.+\n)+)", done.stdout, re.M
    )
    assert table, done.stdout
    cells = {line.split()[0]: line.split()[1:] for line in table[1].splitlines()}
    steps = {f"{stage}/{step}" for stage, step in STEPS}
    assert set(cells) == {*stages, *steps, "dvc", "total"}, done.stdout
    results = json.loads((tmp_path / f"results-mixed-{n}-ray.json").read_text())
    for stage in [*stages, "total"]:
        local, ray = results["full"][stage]["wall"], results["full_ray"][stage]["wall"]
        assert cells[stage][:2] == [f"{local:,.2f}", f"{ray:,.2f}"], (stage, cells[stage])
        assert results["ray_overhead"][stage] == ray / local > 0
    assert results["full_ray"]["cluster"]["cpu"] > 0  # the work ran on the cluster's nodes
    assert "incremental" not in results


# `python -c pass`, then `abstracts --help`, then each stage: the best wall s and its CPU s,
# the goal ("-" for none) and whether it was met.
ROW = re.compile(r"(\S.*?) +(\d+\.\d\d) +(\d+\.\d\d) +(-|< [\d.]+ s)(?:  (PASS|MISS))?")


def test_startup_times_the_command_line_and_every_stage_against_its_goal():
    done = subprocess.run(
        [sys.executable, "bench/startup.py", "--runs", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    title, header, *lines = done.stdout.splitlines()
    assert title == "start-up, best of 2 runs"
    assert header.split() == ["command", "wall", "s", "CPU", "s", "goal"]
    rows = {}
    for line in lines:
        row = ROW.fullmatch(line)
        assert row, line
        rows[row[1]] = row.groups()[1:]
    stages = list(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"])
    modules = [label for label in rows if label.startswith("import ")]
    assert list(rows) == ["python -c pass", "abstracts --help", *modules]
    # Each stage's own module first, then the others its command runs.
    assert [m.split(",")[0] for m in modules] == [f"import pipeline.stages.{s}" for s in stages]
    assert (
        "import pipeline.stages.parse, pipeline.stages.dedup, pipeline.stages.normalize" in modules
    )
    assert "import pipeline.stages.publish, pipeline.stages.report" in modules
    assert rows["python -c pass"][2:] == ("-", None)
    assert rows["abstracts --help"][2] == "< 0.5 s"
    assert all(rows[module][2] == "< 1 s" for module in modules)
    for label, (wall, cpu, goal, verdict) in rows.items():
        assert float(wall) > 0 and float(cpu) > 0, label
        if goal != "-":
            assert verdict == ("PASS" if float(wall) < float(goal.split()[1]) else "MISS"), label
