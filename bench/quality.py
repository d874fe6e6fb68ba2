"""Dedup quality and throughput on dumps grown from the ACL corpus with known duplicates.

    python bench/quality.py [N] [--workers W]

Writes N abstracts (30% of them followed by an exact, near or truncated copy) as dumps
in a temporary folder, runs parse, normalize and dedup, and prints each stage's time and
throughput and the dedup pair precision and recall against the known copies.
"""

import argparse
import tempfile
import time
from pathlib import Path

from workspace import corpus

from pipeline import synth
from pipeline.config import Params
from pipeline.core.dedup import dedup_key
from pipeline.core.normalize import normalize as normalize_text
from pipeline.links import read_all
from pipeline.stages import dedup, normalize, parse

PER_DUMP = 2000


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("n", type=int, nargs="?", default=20000)
    arguments.add_argument("--workers", type=int, default=0)
    options = arguments.parse_args()
    params = Params(Path("params.yaml"))
    originals = synth.read_abstracts(corpus("acl-anthology"))
    items = list(synth.blocks(originals, options.n, 0.3, seed=7))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        synth.write_dumps(items, root / "raw", PER_DUMP, seed=7)
        rules, ratio = params.parse()
        steps = {
            "parse": lambda: parse.run(
                root / "raw", root / "parse", root / "p.json", rules, ratio, options.workers
            ),
            "normalize": lambda: normalize.run(
                root / "parse",
                root / "normalize",
                params.dedup(),
                params.batch_rows(),
                options.workers,
            ),
            "dedup": lambda: dedup.run(
                root / "normalize",
                root / "dedup",
                root / "d.json",
                params.dedup(),
                params.lengths(),
            ),
        }
        for name, step in steps.items():
            started, cpu = time.perf_counter(), time.process_time()
            step()
            wall = time.perf_counter() - started
            print(
                f"{name:9} {wall:6.1f} s wall  {len(items) / wall:8.0f} abstracts/s  "
                f"(main process CPU {time.process_time() - cpu:.1f} s)"
            )
        links = read_all(root / "dedup", columns=["abstract_id"])
    # Dumps hold the blocks in order, and links follow them (raw-file order, then bytes).
    # Originals equal after normalization (the corpus has a few) are one abstract in truth.
    predicted = links.column("abstract_id").to_pylist()
    texts = {item.original: item.text for item in items if item.kind == "original"}
    same: dict[str, int] = {}
    truth = [
        same.setdefault(dedup_key(normalize_text("Abstract:" + texts[i.original])), i.original)
        for i in items
    ]
    precision, recall = synth.pair_scores(predicted, truth)
    print(f"dedup on {len(items)} abstracts: pair precision {precision:.4f}, recall {recall:.4f}")


if __name__ == "__main__":
    main()
