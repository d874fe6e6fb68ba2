"""The parse stage: every file under raw/ to the `occurrences` and `rejects` tables."""

from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.coverage import CoverageError
from pipeline.core.dump import parse_dump
from pipeline.core.segment import Rules
from pipeline.io import atomic_dir, write_json
from pipeline.parallel import ordered_map
from pipeline.parallel import workers as processes
from pipeline.progress import progress
from schemas import REJECT_REASONS, ParsedOccurrences, Rejects
from schemas.derive import arrow_schema, validate


class ParseError(RuntimeError):
    """A raw file could not be parsed; the message names it."""


@dataclass(frozen=True)
class FileResult:
    """The validated tables of one raw file and what was counted on the way."""

    source: str
    size: int
    occurrences: pa.Table
    rejects: pa.Table
    empty: bool
    not_text: bool


def raw_files(raw: Path) -> list[tuple[str, Path]]:
    """Every file under `raw`, as (path relative to raw with / separators, path), sorted."""
    if not raw.is_dir():
        raise ParseError(f"{raw}: no such folder; put the raw dumps in {raw}/")
    files = ((p.relative_to(raw).as_posix(), p) for p in raw.rglob("*") if p.is_file())
    return sorted(files)


def parse_file(task: tuple[str, Path], rules: Rules, max_control_ratio: float) -> FileResult:
    """Parse and validate one raw file."""
    source, path = task
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(f"{path}: cannot read: {error.strerror}") from None
    try:
        parsed = parse_dump(data, source, rules, max_control_ratio)
    except CoverageError as error:
        raise ParseError(f"{path}:{error} (lossless invariant broken: please report)") from None
    tables = []
    for model, rows in ((ParsedOccurrences, parsed.occurrences), (Rejects, parsed.rejects)):
        table = pa.Table.from_pylist(rows, schema=arrow_schema(model))
        validate(model, table)
        tables.append(table)
    return FileResult(source, len(data), *tables, parsed.empty, parsed.not_text)


def run(
    raw: Path, out: Path, metrics: Path, rules: Rules, max_control_ratio: float, workers: int
) -> dict:
    """Parse every raw file into out/occurrences.parquet and out/rejects.parquet."""
    files = raw_files(raw)
    job = partial(parse_file, rules=rules, max_control_ratio=max_control_ratio)
    counts = {"files": 0, "bytes": 0, "empty_files": 0, "not_text_files": 0}
    reasons = Counter({reason: 0 for reason in REJECT_REASONS})
    by_source, encodings = {}, Counter()
    with (
        atomic_dir(out) as tmp,
        pq.ParquetWriter(
            tmp / "occurrences.parquet", arrow_schema(ParsedOccurrences), compression="zstd"
        ) as occurrences,
        pq.ParquetWriter(
            tmp / "rejects.parquet", arrow_schema(Rejects), compression="zstd"
        ) as rejects,
    ):
        results = ordered_map(job, files, processes(workers, len(files)))
        for result in progress(results, total=len(files), unit="file"):
            for writer, table in ((occurrences, result.occurrences), (rejects, result.rejects)):
                if table.num_rows:
                    writer.write_table(table)
            counts["files"] += 1
            counts["bytes"] += result.size
            counts["empty_files"] += result.empty
            counts["not_text_files"] += result.not_text
            reasons.update(result.rejects.column("reason").to_pylist())
            for table in (result.occurrences, result.rejects):
                encodings.update(e for e in table.column("encoding").to_pylist() if e)
            by_source[result.source] = {
                "occurrences": result.occurrences.num_rows,
                "rejects": result.rejects.num_rows,
            }
    summary = {
        **counts,
        "occurrences": sum(s["occurrences"] for s in by_source.values()),
        "rejects": sum(reasons.values()),
        "rejects_by_reason": dict(sorted(reasons.items())),
        "spans_by_encoding": dict(sorted(encodings.items())),
        "by_source": by_source,
    }
    write_json(metrics, summary)
    return summary
