"""What building 100M and 1B abstracts would take, from the costs per abstract that
`make bench ENGINE=ray N=...` measured (its results file and its project's folders).

    python bench/scale.py [RESULTS] [PROJECT]

The model, stated so that it can be argued with:
- parse and normalize are tasks over files: their CPU per abstract (local engine), times
  the Ray engine's measured overhead on them, is spread over every core;
- dedup, publish (with the report) and DVC run on one machine (dedup's driver holds the index;
  publish writes each config's shards in one task; DVC hashes the outputs): their wall
  time per abstract on this machine does not shrink with more cores;
- memory: dedup's driver grows with its index (its peak per abstract); a band task holds
  one band's hashes and keys, old and new (24 bytes a key); parse and normalize tasks
  hold a chunk or a batch, whatever N;
- bytes moved: what each step writes for the next, per abstract, from the folders' sizes.
It ignores the shared filesystem's bandwidth (the bytes moved say what it must carry) and
assumes as many distinct keys as abstracts (the worst case for the bands).
"""

import json
import subprocess
import sys
from pathlib import Path

from workspace import ROOT

SIZES = {"100M": 100_000_000, "1B": 1_000_000_000}
CORES = (8, 64, 512)
FOLDERS = {
    "raw dumps (read by parse)": "raw",
    "parse parts (read by normalize, publish)": "build/parse",
    "normalize parts (read by dedup, publish)": "build/normalize",
    "dedup index (bands: the shuffle by band)": "build/dedup.index",
    "links (read by publish)": "build/dedup",
    "the release": "dist/abstracts",
}


def size(path: Path) -> int:
    """Bytes under `path`, as `du` counts them (hard links once)."""
    done = subprocess.run(["du", "-sbL", path], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def human(value: float, unit: str = "B") -> str:
    for prefix in ("", "K", "M", "G", "T", "P"):
        if abs(value) < 1000:
            return f"{value:,.0f} {prefix}{unit}" if prefix else f"{value:,.0f} {unit}"
        value /= 1000
    return f"{value:,.0f} E{unit}"


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def main() -> None:
    default = ROOT / "build/bench/results-mixed-1000000-ray.json"
    results = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    measured = json.loads(results.read_text())
    n, local, ray = measured["n"], measured["full"], measured["full_ray"]
    project = Path(sys.argv[2]) if len(sys.argv) > 2 else results.parent / f"project-mixed-{n}"
    # the parse stage's steps (`bench/timed.py`): it parses, normalizes and dedups
    spread = ["parse/parse", "parse/normalize"]
    cpu = sum(local[s]["cpu"] for s in spread) / n
    overhead = sum(ray[s]["wall"] for s in spread) / sum(local[s]["wall"] for s in spread)
    serial = {s: local[s]["wall"] / n for s in ("parse/dedup", "publish", "dvc")}
    # the parse stage's process at dedup's peak, with what parse and normalize left in it
    driver = ray["parse/dedup"]["peak_mib"] * 2**20 / n
    print(f"measured at N = {n:,} on {measured['cores']} cores ({results.name})")
    print(f"  parse + normalize: {cpu * 1e6:,.1f} us of CPU per abstract, x{overhead:.2f} on Ray")
    print(
        "  on one machine: "
        + ", ".join(f"{s} {v * 1e6:,.1f} us" for s, v in serial.items())
        + " per abstract"
    )
    print(f"  dedup's driver: {driver:,.0f} bytes per abstract at its peak")
    moved = {label: size(project / folder) / n for label, folder in FOLDERS.items()}
    print("\nbytes per abstract, and in all")
    print(f"{'':44}{'per abstract':>14}" + "".join(f"{'N = ' + h:>14}" for h in SIZES))
    for label, per in moved.items():
        cells = "".join(f"{human(per * big):>14}" for big in SIZES.values())
        print(f"{label:44}{per:>14,.0f}{cells}")
    print("\nmemory per node")
    for label, per in (("dedup's driver", driver), ("a band task (24 bytes a key)", 24)):
        print(f"{label:44}{'':14}" + "".join(f"{human(per * big):>14}" for big in SIZES.values()))
    print("\ntime of a full build")
    print(f"{'':44}" + "".join(f"{str(c) + ' cores':>14}" for c in CORES))
    for label, big in SIZES.items():
        fixed = sum(serial.values()) * big
        cells = [duration(cpu * overhead * big / cores + fixed) for cores in CORES]
        print(f"{'N = ' + label:44}" + "".join(f"{cell:>14}" for cell in cells))
        print(f"{'  of which on one machine':44}" + f"{duration(fixed):>14}" * len(CORES))


if __name__ == "__main__":
    main()
