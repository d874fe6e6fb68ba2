"""The golden table: what the text rules make of real abstracts, committed so that a port
of any rule (to Arrow, to compiled code) proves it changes nothing.

For every occurrence of the ACL and arxiv-2025 corpora (../shared/corpora), 64-bit digests
of its clean `text`, its dedup `key`, its content id and every other feature (flags,
defects, enrichment), by `source` and `byte_start`: `corpora.parquet`. For a list of Unicode
edge cases, the values themselves: `unicode.json`. A deliberate change of a rule rewrites
both (`python -m tests.golden`), and the diff of the commit shows what moved.
"""

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Params
from pipeline.core.dedup import stable_id
from pipeline.core.dump import parse_dump
from pipeline.core.features import features

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
NAMES = ("acl-anthology", "arxiv-2025")
TABLE, UNICODE = HERE / "corpora.parquet", HERE / "unicode.json"
COLUMNS = ("text", "key", "id", "rest")


def _digest(value) -> int:
    data = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return int.from_bytes(hashlib.blake2b(data.encode(), digest_size=8).digest(), "little")


def row(text_raw: str) -> dict:
    """An occurrence's golden values: its text, key and id, and all its other features."""
    found = features(text_raw)
    text, key = found.pop("text"), found.pop("key")
    return {"text": text, "key": key, "id": stable_id(key), "rest": found}


def table(corpora: Path = CORPORA) -> pa.Table:
    """The digests of every occurrence of the corpora, in file order."""
    rules, ratio = Params(ROOT / "params.yaml").parse()
    columns = {"source": [], "byte_start": [], **{name: [] for name in COLUMNS}}
    for name in NAMES:
        for path in sorted((corpora / name).rglob("*.txt")):
            source = path.relative_to(corpora).as_posix()
            for occurrence in parse_dump(
                path.read_bytes(), source, rules, ratio
            ).occurrences.to_pylist():
                columns["source"].append(source)
                columns["byte_start"].append(occurrence["byte_start"])
                for column, value in row(occurrence["text_raw"]).items():
                    columns[column].append(_digest(value))
    types = {"source": pa.string(), "byte_start": pa.int64()}
    return pa.table({n: pa.array(v, types.get(n, pa.uint64())) for n, v in columns.items()})


def unicode_rows() -> list[dict]:
    """The edge cases' raw texts with their golden values."""
    cases = json.loads(UNICODE.read_text(encoding="utf-8"))
    return [{"text_raw": case["text_raw"], **row(case["text_raw"])} for case in cases]


def write() -> None:
    """Rewrite both golden files from the current rules."""
    pq.write_table(table(), TABLE, compression="zstd")
    UNICODE.write_text(json.dumps(unicode_rows(), ensure_ascii=False, indent=1) + "\n")
