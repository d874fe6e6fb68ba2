"""What the text rules make of real abstracts: TeX left behind, flag rates, placeholders.

    python bench/text.py [CORPUS ...] [--out FILE] [--sample N]

Parses and normalizes every raw dump of each corpus folder (by default the ACL and
arxiv-2025 corpora in ../shared/corpora) in process, and prints per corpus: abstracts,
placeholders rejected, LaTeX-bearing abstracts and the share of them whose text still
holds a TeX command outside a formula kept verbatim, and each flag's rate. `--out` writes
every abstract (source, line, text_raw, text, flags) as JSON lines, and `--sample N` prints
N random flagged abstracts per flag for reading by eye (`make text`).
"""

import argparse
import json
import random
import re
from pathlib import Path

from workspace import corpus

from pipeline.config import Params
from pipeline.core.dump import parse_dump
from pipeline.core.features import features
from pipeline.core.formulas import VERBATIM

FLAGS = ("is_truncated", "has_lost_characters", "has_math")
# A TeX command as written: a backslash and letters.
COMMAND = re.compile(r"\\[A-Za-z]+")


def tex_left(text: str) -> bool:
    """The text holds a TeX command outside every formula kept verbatim."""
    return COMMAND.search(VERBATIM.sub(" ", text)) is not None


def measure(folder: Path, params: Params) -> tuple[dict, list[dict]]:
    """The figures of one corpus and its rows."""
    rules, ratio = params.parse()
    rows, placeholders = [], 0
    for path in sorted(folder.rglob("*.txt")):
        parsed = parse_dump(path.read_bytes(), path.name, rules, ratio)
        placeholders += sum(r["reason"] == "placeholder" for r in parsed.rejects.to_pylist())
        for occurrence in parsed.occurrences.to_pylist():
            found = features(occurrence["text_raw"])
            rows.append({
                "source": path.name,
                "line": occurrence["line_start"],
                "text_raw": occurrence["text_raw"],
                "text": found["text"],
                **{flag: found[flag] for flag in FLAGS[:2]},
                "has_latex": COMMAND.search(occurrence["text_raw"]) is not None
                or "$" in occurrence["text_raw"],
                "tex_left": tex_left(found["text"]),
            })  # fmt: skip
    latex = [row for row in rows if row["has_latex"]]
    figures = {
        "abstracts": len(rows),
        "placeholders_rejected": placeholders,
        "latex_bearing": len(latex),
        "tex_left_share": round(sum(r["tex_left"] for r in latex) / max(len(latex), 1), 4),
        **{
            f"{flag}_rate": round(sum(r[flag] for r in rows) / max(len(rows), 1), 4)
            for flag in FLAGS[:2]
        },
    }
    return figures, rows


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("corpora", nargs="*", type=Path)
    arguments.add_argument("--out", type=Path)
    arguments.add_argument("--sample", type=int, default=0)
    arguments.add_argument("--seed", type=int, default=1)
    options = arguments.parse_args()
    params = Params(Path("params.yaml"))
    everything = []
    for folder in options.corpora or [corpus("acl-anthology"), corpus("arxiv-2025")]:
        figures, rows = measure(folder, params)
        print(json.dumps({"corpus": folder.name, **figures}))
        everything += [{"corpus": folder.name, **row} for row in rows]
        for flag in (*FLAGS[:2], "tex_left"):
            flagged = [row for row in rows if row[flag]]
            picked = random.Random(options.seed).sample(flagged, min(options.sample, len(flagged)))
            for row in picked:
                print(f"--- {folder.name} {flag} {row['source']}:{row['line']}\n{row['text']}")
    if options.out:
        with options.out.open("w") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in everything)


if __name__ == "__main__":
    main()
