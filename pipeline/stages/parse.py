"""The parse stage: every file under raw/ to its `occurrences` and `rejects` tables."""

import hashlib
import json
from collections import Counter
from functools import partial
from pathlib import Path

import pyarrow as pa

from pipeline import parts
from pipeline.core.coverage import CoverageError
from pipeline.core.dump import parse_dump
from pipeline.core.segment import Rules
from pipeline.io import atomic_dir, write_json, write_parquet
from pipeline.parallel import ordered_map
from pipeline.parallel import workers as processes
from pipeline.parts import OCCURRENCES, PARTS, part_name
from pipeline.progress import progress
from schemas import REJECT_REASONS, ParsedOccurrences, Rejects
from schemas.derive import arrow_schema, validate

# Each part's rejects, and all of them gathered in the stage's folder.
REJECTS = "rejects.parquet"
SUMMARY = "summary.json"  # a part's counts


class ParseError(RuntimeError):
    """A raw file could not be parsed; the message names it."""


def raw_files(raw: Path) -> list[tuple[str, Path]]:
    """Every file under `raw`, as (path relative to raw with / separators, path), sorted."""
    if not raw.is_dir():
        raise ParseError(f"{raw}: no such folder; put the raw dumps in {raw}/")
    files = ((p.relative_to(raw).as_posix(), p) for p in raw.rglob("*") if p.is_file())
    return sorted(files)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ParseError(f"{path}: cannot read: {error.strerror}") from None


def _stat(path: Path) -> str:
    """What tells that a file changed without reading it, as DVC tells it: its size,
    modification time and inode."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_file(
    task: tuple[str, Path, str | None], rules: Rules, max_control_ratio: float, out: Path
) -> tuple[dict, bool, str]:
    """Parse and validate one raw file into its part of `out`, unless the part exists;
    return the part's summary, whether it was parsed now, and the digest of the file's
    bytes. A digest in the task (the file is as it was last run) spares reading the file
    when its part exists."""
    source, path, digest = task

    def part(digest: str) -> Path:
        return out / PARTS / part_name(repr(rules), repr(max_control_ratio), source, digest)

    data = None
    if not (digest and (part(digest) / SUMMARY).exists()):
        data = _read(path)
        digest = _digest(data)
    folder = part(digest)
    if (folder / SUMMARY).exists():
        return json.loads((folder / SUMMARY).read_text(encoding="utf-8")), False, digest
    try:
        parsed = parse_dump(data, source, rules, max_control_ratio)
    except CoverageError as error:
        raise ParseError(f"{path}:{error} (lossless invariant broken: please report)") from None
    tables = {}
    for file, model, rows in (
        (OCCURRENCES, ParsedOccurrences, parsed.occurrences),
        (REJECTS, Rejects, parsed.rejects),
    ):
        tables[file] = pa.Table.from_pylist(rows, schema=arrow_schema(model))
        validate(model, tables[file])
    result = {
        "source": source,
        "part": folder.name,
        "bytes": len(data),
        "empty": parsed.empty,
        "not_text": parsed.not_text,
        "occurrences": tables[OCCURRENCES].num_rows,
        "reasons": Counter(tables[REJECTS].column("reason").to_pylist()),
        "encodings": Counter(
            e for table in tables.values() for e in table.column("encoding").to_pylist() if e
        ),
        "compression": parsed.compression,
    }
    result["encoding"] = _file_encoding(parsed, result["encodings"])
    with atomic_dir(folder) as tmp:
        for file, table in tables.items():
            write_parquet(table, tmp / file)
        write_json(tmp / SUMMARY, result)
    return result, True, digest


def _file_encoding(parsed, spans: Counter) -> str | None:
    """How a file was read: what its byte-order mark declared, `cp1252` if any span fell
    back to it, `utf-8`, or None for a file not read as text or empty."""
    if parsed.encoding or not spans:
        return parsed.encoding
    return "cp1252" if spans["cp1252"] else "utf-8"


def run(
    raw: Path, out: Path, metrics: Path, rules: Rules, max_control_ratio: float, workers: int
) -> dict:
    """Parse every raw file into its part of `out` (reusing the parts of files parsed
    before) and gather the rejects of all into out/rejects.parquet, which is small.

    Return the metrics, and how many files were `parsed` now (the others were reused)."""
    files = raw_files(raw)
    parts.start(out)
    seen = out.with_name(f"{out.name}.files.json")  # "stat source" -> digest, as last run
    known = json.loads(seen.read_text(encoding="utf-8")) if seen.exists() else {}
    keys = [f"{_stat(path)} {source}" for source, path in files]
    tasks = [(*file, known.get(key)) for file, key in zip(files, keys, strict=True)]
    job = partial(parse_file, rules=rules, max_control_ratio=max_control_ratio, out=out)
    results = ordered_map(job, tasks, processes(workers, len(files)))
    summaries, digests, parsed = [], [], 0
    for summary, new, digest in progress(results, total=len(files), unit="file"):
        summaries.append(summary)
        digests.append(digest)
        parsed += new
    parts.finish(out, [{"source": s["source"], "part": s["part"]} for s in summaries], {REJECTS})
    write_json(seen, dict(zip(keys, digests, strict=True)))
    write_parquet(parts.read(out, REJECTS, arrow_schema(Rejects)), out / REJECTS)
    reasons = Counter({reason: 0 for reason in REJECT_REASONS})
    encodings = Counter()
    for s in summaries:
        reasons.update(s["reasons"])
        encodings.update(s["encodings"])
    summary = {
        "files": len(summaries),
        "bytes": sum(s["bytes"] for s in summaries),
        "empty_files": sum(s["empty"] for s in summaries),
        "not_text_files": sum(s["not_text"] for s in summaries),
        "occurrences": sum(s["occurrences"] for s in summaries),
        "rejects": sum(reasons.values()),
        "rejects_by_reason": dict(sorted(reasons.items())),
        "spans_by_encoding": dict(sorted(encodings.items())),
        "files_by_encoding": _counts(s["encoding"] for s in summaries),
        "compressed_files": _counts(s["compression"] for s in summaries),
        "by_source": {
            s["source"]: {"occurrences": s["occurrences"], "rejects": sum(s["reasons"].values())}
            for s in summaries
        },
    }
    write_json(metrics, summary)
    return summary | {"parsed": parsed}


def _counts(values) -> dict:
    """How many of the values are each value, None aside, sorted."""
    return dict(sorted(Counter(v for v in values if v).items()))
