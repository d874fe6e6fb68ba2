"""Time the real pipeline (dvc repro) on N synthetic abstracts, stage by stage, against the floor.

    python bench/run.py N [--workload mixed|copies] [--workdir build/bench]

Grows N abstracts from the ACL corpus into dumps of 2,000 (exact, near and truncated copies,
noise lines, varying blank lines) in WORKDIR/raw-WORKLOAD-N, made once and reused. The
`mixed` workload copies 30% of its abstracts once; `copies`, a crawl's, copies each of
N/50 originals 49 times (re-wrapped, recased, edited, truncated). Times the floor
(bench/floor.py) on them; runs `dvc repro --force` in a fresh copy of the project,
WORKDIR/project-WORKLOAD-N, whose raw/ links the dumps; then adds one dump of the same
workload (copies of existing abstracts among them) and runs `dvc repro`, then one dump of
new abstracts only and runs it again, counting the release's shards each wrote anew.
Each stage's wall and CPU time (its process and its descendants') are logged by the
`abstracts` the builds run (bench/timed.py); each build is sampled from /proc every 250 ms
for peak memory (summed Pss) per stage and in all. Prints a table per build
and the goals, then each stage's fixed start-up against its goal (bench/startup.py); writes
every figure to WORKDIR/results-WORKLOAD-N.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
import startup
import timed
import yaml
from workspace import ROOT, copy_project, corpus

from pipeline import synth
from pipeline.release import history

PER_DUMP = 2000
# How each workload's abstracts are made (`synth.blocks`): 30% copied once, or a crawl's
# 49 copies of every original; `acl` is the real ACL corpus as it is (N is ignored), its
# new dump made as `mixed` does.
WORKLOADS = {
    "mixed": {"duplicate_rate": 0.3, "copies": 1},
    "copies": {"duplicate_rate": 1.0, "copies": 49},
    "acl": {"duplicate_rate": 0.3, "copies": 1},
}
# Reading smaps_rollup walks a process's page tables: at 1M abstracts, ~20 ms a sample.
INTERVAL = 0.25
TICK = os.sysconf("SC_CLK_TCK")
MIB = 2**20
GOAL_N, GOAL_RATIO, GOAL_INCREMENTAL, GOAL_PEAK_MIB = 1_000_000, 3.0, 1.0, 3 * 1024
# The two incremental builds: a dump of the workload's (copies of existing abstracts among
# them, so counts change across the release), then a dump of new abstracts only.
ADDED = {
    "incremental": f"incremental build, one new dump of {PER_DUMP:,} abstracts",
    "incremental_new": f"incremental build, one dump of {PER_DUMP:,} new abstracts only",
}
COLUMNS = {
    "wall": "wall s",
    "cpu": "CPU s",
    "peak_mib": "peak MiB",
    "mb_s": "MB/s",
    "abstracts_s": "abstracts/s",
}


@dataclass
class Run:
    """A measured command: wall s and CPU s of it and its descendants, the peak summed Pss
    in bytes of its process groups, the Ray nodes' CPU s (`Sampler`), the mean time between
    samples, the sampler's CPU s, and its table (`rows`)."""

    wall: float
    cpu: float
    peaks: dict[str, int]
    cluster_cpu: float
    period: float
    sampler_cpu: float
    rows: dict = field(default_factory=dict)


def read(path: str) -> bytes:
    """The contents of a file under /proc (open() is cheaper than pathlib here)."""
    with open(path, "rb") as file:
        return file.read()


def processes() -> dict[int, tuple[int, int]]:
    """Every process as pid: (parent pid, CPU ticks of it and of its reaped children)."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = read(f"/proc/{name}/stat")
            except OSError:
                continue
            fields = stat.rsplit(b")", 1)[1].split()
            found[int(name)] = (int(fields[1]), sum(map(int, fields[11:15])))
    return found


def descendants(root: int, table: dict[int, tuple[int, int]]) -> list[int]:
    """`root` and its descendants, parents before children."""
    children = defaultdict(list)
    for pid, (parent, _) in table.items():
        children[parent].append(pid)
    order = [root] if root in table else []
    for pid in order:
        order.extend(children[pid])
    return order


def pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 once it has gone): pages shared with
    other processes (forked workers, libraries) count once in a sum."""
    try:
        for line in read(f"/proc/{pid}/smaps_rollup").splitlines():
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def stage_of(pid: int, stages: list[str]) -> str | None:
    """The stage a process runs, if its argv is `[python] abstracts STAGE ...`."""
    try:
        argv = read(f"/proc/{pid}/cmdline").decode(errors="replace").split("\0")
    except OSError:
        return None
    for program, stage in zip(argv[:2], argv[1:3], strict=False):
        if os.path.basename(program) == "abstracts" and stage in stages:
            return stage
    return None


class Sampler(threading.Thread):
    """Samples the peak memory of the processes under `root` every INTERVAL, grouped as
    each stage's (an `abstracts STAGE` process and its descendants), the rest ("dvc"), and
    all ("total"); and apart, the memory and CPU time of those under the `cluster` roots
    (Ray nodes: "cluster")."""

    def __init__(self, root: int, stages: list[str], cluster: tuple[int, ...] = ()):
        super().__init__(daemon=True)
        self.root, self.stages, self.cluster = root, stages, cluster
        self.peaks: dict[str, int] = Counter()
        self.cluster_cpu = 0.0
        self.done = threading.Event()
        self.samples, self.cpu = 0, 0.0
        # Ray reaps its workers without adding their CPU to its own: each node process's
        # ticks as last seen, less those before the first sample.
        self.seen: dict[int, int] = {}
        self.before: dict[int, int] | None = None

    def run(self):
        while not self.done.is_set():
            self.sample()
            self.samples += 1
            self.done.wait(INTERVAL)
        self.cpu = time.thread_time()

    def sample(self):
        table = processes()
        group: dict[int, str] = {}
        for pid in descendants(self.root, table):
            above = group.get(table[pid][0], "dvc")
            group[pid] = above if above != "dvc" else stage_of(pid, self.stages) or "dvc"
        memory = Counter()
        for pid, name in group.items():
            size = pss(pid)
            for key in (name, "total"):
                memory[key] += size
        if nodes := [pid for node in self.cluster for pid in descendants(node, table)]:
            self.seen |= {pid: table[pid][1] for pid in nodes}
            self.before = self.before or dict(self.seen)
            self.cluster_cpu = (sum(self.seen.values()) - sum(self.before.values())) / TICK
            memory["cluster"] = sum(map(pss, nodes))
        for key, size in memory.items():
            self.peaks[key] = max(self.peaks[key], size)


def measure(args: list[str], cwd: Path, env: dict, log: Path, stages: list[str], cluster=()) -> Run:
    """Run `args` with its output in `log`, sampling its processes (and the `cluster`'s
    nodes); exit if it fails. The disk is synced first: a run starts with no other run's
    writes still in flight (a full build leaves gigabytes of dirty pages, whose writeback
    slowed the next build's own writes by up to a second)."""
    os.sync()
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid, stages, cluster)
        sampler.start()
        _, status, rusage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        sys.exit(f"{' '.join(args)} failed in {cwd} (exit {process.returncode}):\n{tail}")
    cpu, period = rusage.ru_utime + rusage.ru_stime, wall / max(sampler.samples, 1)
    return Run(wall, cpu, sampler.peaks, sampler.cluster_cpu, period, sampler.cpu)


def dumps(originals: list[str], n: int, workload: str, workdir: Path) -> Path:
    """WORKDIR/raw-WORKLOAD-N: `n` synthetic abstracts in dumps of PER_DUMP, made once; or
    the ACL corpus itself."""
    if workload == "acl":
        return corpus("acl-anthology")
    folder = workdir / f"raw-{workload}-{n}"
    if not folder.is_dir():
        partial = folder.with_name(f"{folder.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        made = synth.blocks(originals, n, **WORKLOADS[workload], seed=7)
        synth.write_dumps(made, partial, PER_DUMP, seed=7)
        partial.rename(folder)
    return folder


def project(raw: Path, workdir: Path, tag: str) -> tuple[Path, dict]:
    """A fresh copy of the project, WORKDIR/project-TAG, whose raw/ (kept out of git) holds
    hard links to the dumps of `raw`, and the environment to run it in."""
    target, home = workdir / f"project-{tag}", workdir / f"home-{tag}"
    for old in (target, home):
        shutil.rmtree(old, ignore_errors=True)
    copy, env = copy_project(target, home, skip=("raw", "registry"))
    env = timed.install(home, env)
    # The seeds' releases and ids are no history of these dumps: an empty registry.
    (copy / "registry").mkdir()
    (copy / "registry" / "ids.tsv").touch()
    (copy / "registry" / "releases.tsv").write_text(history.HEADER)
    (copy / "raw").mkdir()
    for path in sorted(raw.iterdir()):
        os.link(path, copy / "raw" / path.name)
    (copy / ".git" / "info").mkdir(exist_ok=True)
    with (copy / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write("/raw/\n")
    return copy, env


def add_dump(originals: list[str], workload: str, raw: Path, workdir: Path, fresh: bool) -> None:
    """One more dump of PER_DUMP abstracts (written apart first: raw/'s other files are hard
    links): raw/synth_new.txt, the workload's, with copies of existing abstracts among them;
    or, if `fresh`, raw/synth_fresh.txt, only new abstracts (fresh variants of the corpus,
    not copied)."""
    if fresh:
        made = synth.blocks(originals, len(originals) + PER_DUMP, 0.0, seed=99)
        items = [block for block in made if block.original >= len(originals)]
    else:
        items = list(synth.blocks(originals, PER_DUMP, **WORKLOADS[workload], seed=8))
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        [path] = synth.write_dumps(items, Path(folder), PER_DUMP, seed=8)
        path.rename(raw / ("synth_fresh.txt" if fresh else "synth_new.txt"))


def shards(copy: Path) -> dict[str, int]:
    """The release's Parquet shards in the project copy, by path, with their inodes."""
    data = copy / "dist" / "abstracts" / "data"
    return {p.relative_to(data).as_posix(): p.stat().st_ino for p in data.rglob("*.parquet")}


def rewritten(before: dict[str, int], after: dict[str, int]) -> dict[str, list[int]]:
    """Per config, the shards written anew (not linked from the release `before`) and all."""
    kept = set(before.values())
    counts: dict[str, list[int]] = {}
    for name, inode in after.items():
        config = counts.setdefault(name.split("/")[0], [0, 0])
        config[0] += inode not in kept
        config[1] += 1
    return counts


def figures(wall, cpu, peak, size=None, count=None) -> dict:
    """One table row: wall s, CPU s, peak MiB, and the throughput when sizes are given."""
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_mib": None if peak is None else peak / MIB,
        "mb_s": size / 1e6 / wall if size else None,
        "abstracts_s": count / wall if count else None,
    }


def rows(
    run: Run, stages: list[str], logged: dict[str, dict], size: int, count: int
) -> dict[str, dict | None]:
    """Each stage's figures (None if it did not run): wall and CPU s as `timed` logged them,
    the peak summed Pss its processes were sampled at or the largest resident set among
    them, whichever is more (a stage can run between two samples), then its steps' wall
    and CPU s (what is left of the stage's is its start-up) and the stage's process's
    peak resident set where a step raised it (its workers aside; none if an earlier step
    reached it); dvc's own share; and the total."""
    table: dict[str, dict | None] = {}
    for name in stages:
        stage = logged.get(name)
        if stage is None:
            table[name] = None
            continue
        peak = max(run.peaks[name], stage["maxrss"])
        table[name] = figures(stage["wall"], stage["cpu"], peak, size, count)
        for step, done in stage["steps"].items():  # its steps, as STAGE/STEP
            table[f"{name}/{step}"] = figures(done["wall"], done["cpu"], done["peak"])
    ran = [table[name] for name in stages if table[name]]
    table["dvc"] = figures(
        run.wall - sum(row["wall"] for row in ran),
        run.cpu - sum(row["cpu"] for row in ran),
        run.peaks["dvc"],
    )
    table["total"] = figures(run.wall, run.cpu, run.peaks["total"], size, count)
    if "cluster" in run.peaks:  # its CPU over the build, not its wall
        table["cluster"] = figures(None, run.cluster_cpu, run.peaks["cluster"])
    return table


def cell(key: str, value: float | None) -> str:
    """A figure as shown in the table: "-" if there is none."""
    if value is None:
        return f"{'-':>12}"
    return f"{value:>12,.0f}" if key in ("peak_mib", "abstracts_s") else f"{value:>12,.2f}"


def render(title: str, table: dict[str, dict | None]) -> str:
    """A plain aligned text table of `rows`."""
    lines = [title, f"{'stage':16}" + "".join(f"{label:>12}" for label in COLUMNS.values())]
    for name, row in table.items():
        lines.append(f"{name:16}" + "".join(cell(k, (row or {}).get(k)) for k in COLUMNS))
    return "\n".join(lines)


def goal(label: str, shown: str, target: str, met: bool) -> str:
    """A line comparing a figure with its goal."""
    return f"{label}: {shown} (goal {target}): {'PASS' if met else 'MISS'}"


def summary(floor: Run, texts: int, full: Run, added: dict[str, Run]) -> dict:
    """Print the floor and the goals; return their figures."""
    ratio = full.wall / floor.wall
    peak = max(run.peaks["total"] for run in (full, *added.values())) / MIB
    print(
        f"floor: wall {floor.wall:.2f} s, CPU {floor.cpu:.2f} s, "
        f"peak Pss {floor.peaks['total'] / MIB:,.0f} MiB ({texts:,} texts)"
    )
    print(goal("full build / floor", f"{ratio:.1f}x", f"<= {GOAL_RATIO:g}x", ratio <= GOAL_RATIO))
    incremental = {key: run.wall / floor.wall for key, run in added.items()}
    for key, share in incremental.items():
        shown, target = f"{share:.2f}x", f"<= {GOAL_INCREMENTAL:g}x"
        print(goal(f"{ADDED[key]} / floor", shown, target, share <= GOAL_INCREMENTAL))
    shown, target = f"{peak:,.0f} MiB", f"< {GOAL_PEAK_MIB:,} MiB"
    print(goal("peak memory", shown, target, peak < GOAL_PEAK_MIB))
    return {"ratio": ratio, "incremental_ratio": incremental, "peak_mib": peak}


# Every compiled function the stages call, loaded: from numba's cache, or compiled into it.
WARM = (
    "from pipeline.core import radix, utf8; from pipeline.stages import dedup, normalize; "
    "utf8.load(parse=True); normalize.load(); dedup.load(); radix.load()"
)


def warm(env: dict) -> None:
    """Load every compiled function once, as every build but the first after a change to
    its module finds them (numba compiles a function whose module changed, a few seconds
    of CPU in each process that calls it first): the builds measure the pipeline, not the
    compiler."""
    started = time.perf_counter()  # from ROOT: the code the stages run (installed editable)
    subprocess.run([sys.executable, "-c", WARM], cwd=ROOT, env=env, check=True)
    print(f"compiled functions loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def floor_run(copy: Path, env: dict, workdir: Path, tag: str) -> tuple[Run, int]:
    """Measure bench/floor.py on the project copy's raw/; return the run and the texts."""
    print("the floor", file=sys.stderr)
    for path in (copy / "raw").iterdir():  # read once: the floor and dvc repro both run warm
        path.read_bytes()
    out = workdir / f"floor-{tag}.parquet"
    args = [sys.executable, str(ROOT / "bench" / "floor.py"), str(copy / "raw"), str(out)]
    floor = measure(args, copy, env, workdir / f"floor-{tag}.log", [])
    return floor, pq.ParquetFile(out).metadata.num_rows


def build(
    name: str, args: list[str], copy: Path, env: dict, log: Path, count: int, cluster=()
) -> Run:
    """Measure one `dvc repro` of the project copy (`count` abstracts) and print its table."""
    print(f"{' '.join(args)} in {copy}", file=sys.stderr)
    stages = list(yaml.safe_load((copy / "dvc.yaml").read_text())["stages"])
    run = measure(args, copy, env, log, stages, cluster)
    size = sum(path.stat().st_size for path in (copy / "raw").iterdir())
    run.rows = rows(run, stages, timed.read(Path(env["HOME"]), stages), size, count)
    command = " ".join(args)
    print(f"\n{render(f'{name} ({command})', run.rows)}", flush=True)
    return run


def on_ray(copy: Path, env: dict, workdir: Path, tag: str, n: int, local: Run) -> dict:
    """The full build again, from nothing, on a two-node Ray cluster started here (a head
    and a worker, one CPU each); print each stage's wall against the local build's and
    return the overheads."""
    from cluster import Cluster

    for made in ("build", "dist"):
        shutil.rmtree(copy / made, ignore_errors=True)
    with Cluster.running() as cluster:
        env = {**env, "ABSTRACTS_ENGINE": "ray", "ABSTRACTS_RAY_ADDRESS": cluster.address}
        nodes = tuple(node.pid for node in cluster.nodes)
        log = workdir / f"ray-{tag}.log"
        ray = build("full build on Ray", ["dvc", "repro", "--force"], copy, env, log, n, nodes)
    lines = [f"{'stage':16}{'local s':>12}{'Ray s':>12}{'Ray/local':>12}"]
    overhead = {}
    for stage, row in ray.rows.items():
        mine, theirs = (row or {}).get("wall"), (local.rows.get(stage) or {}).get("wall")
        if mine and theirs:
            overhead[stage] = mine / theirs
            lines.append(f"{stage:16}{theirs:>12,.2f}{mine:>12,.2f}{overhead[stage]:>11.2f}x")
    print("\nthe Ray engine against the local one, wall per stage\n" + "\n".join(lines))
    return {"full_ray": ray.rows, "ray_overhead": overhead}


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("n", type=int)
    arguments.add_argument("--workload", choices=sorted(WORKLOADS), default="mixed")
    arguments.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    arguments.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="ray: after the local full build, build again on a two-node Ray cluster "
        "(instead of the incremental builds)",
    )
    options = arguments.parse_args()
    n, workload, workdir = options.n, options.workload, options.workdir.resolve()
    originals = synth.read_abstracts(corpus("acl-anthology"))
    n = len(originals) if workload == "acl" else n
    tag = f"{workload}-{n}"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"dumps of {n:,} abstracts in {workdir / f'raw-{tag}'}", file=sys.stderr)
    raw = dumps(originals, n, workload, workdir)
    copy, env = project(raw, workdir, tag)
    size, files = sum(p.stat().st_size for p in raw.iterdir()), len(list(raw.iterdir()))
    note = "" if n == GOAL_N else f" (the goals are set at N = {GOAL_N:,})"
    print(
        f"{os.cpu_count()} cores; N = {n:,} ({workload}): {size / 1e6:,.1f} MB of dumps in "
        f"{files} files{note}"
    )

    warm(env)
    floor, texts = floor_run(copy, env, workdir, tag)
    log = workdir / f"full-{tag}.log"
    full = build("full build", ["dvc", "repro", "--force"], copy, env, log, n)
    added, written, count = {}, {}, n
    ray = on_ray(copy, env, workdir, tag, n, full) if options.engine == "ray" else {}
    for key, fresh in () if ray else (("incremental", False), ("incremental_new", True)):
        add_dump(originals, workload, copy / "raw", workdir, fresh)
        before, count = shards(copy), count + PER_DUMP
        log = workdir / f"{key}-{tag}.log"
        added[key] = build(ADDED[key], ["dvc", "repro"], copy, env, log, count)
        written[key] = rewritten(before, shards(copy))
        print(
            "shards written anew: "
            + ", ".join(f"{config} {new} of {all_}" for config, (new, all_) in written[key].items())
        )
    print()
    results = {"cores": os.cpu_count(), "n": n, "workload": workload, "raw_bytes": size}
    results["files"] = files
    results["floor"] = {
        **figures(floor.wall, floor.cpu, floor.peaks["total"], size, n),
        "texts": texts,
    }
    results |= {"full": full.rows, **{key: run.rows for key, run in added.items()}, **ray}
    results["shards_written"] = written
    results |= summary(floor, texts, full, added)
    runs = {"full": full, **added}
    results["sampling"] = {
        key: {"period_s": run.period, "sampler_cpu_s": run.sampler_cpu} for key, run in runs.items()
    }
    print(
        "sampled every "
        + " / ".join(f"{run.period * 1000:.0f} ms" for run in runs.values())
        + "; the sampler used "
        + " / ".join(f"{run.sampler_cpu:.1f} s" for run in runs.values())
        + " CPU"
    )
    print()
    results["startup"] = startup.report()
    results["goals"] = {
        "at_n": GOAL_N,
        "ratio": GOAL_RATIO,
        "incremental_ratio": GOAL_INCREMENTAL,
        "peak_mib": GOAL_PEAK_MIB,
        "help_s": startup.GOAL_HELP_S,
        "stage_startup_s": startup.GOAL_STAGE_S,
    }
    suffix = "-ray" if ray else ""
    (workdir / f"results-{tag}{suffix}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
