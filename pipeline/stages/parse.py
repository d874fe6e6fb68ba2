"""The parse stage: every file under raw/ to its `occurrences` and `rejects` tables.

A file is parsed by a worker into its part, a big one a chunk at a time by every worker
(pipeline/core/chunks.py), the chunks' rows written here in order into its one part."""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import partial
from itertools import chain, groupby
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from pipeline import parts, storage
from pipeline.core import utf8
from pipeline.core.chunks import CHUNK_BYTES, Chunk, parse_chunk, plan
from pipeline.core.coverage import CoverageError
from pipeline.core.dump import ParsedDump
from pipeline.core.segment import Rules
from pipeline.io import RowGroupWriter, atomic_dir, write_json
from pipeline.parallel import capacity, group_limit, grouped, ordered_map
from pipeline.parallel import workers as processes
from pipeline.parts import OCCURRENCES, PARTS, REJECTS, part_name
from pipeline.progress import progress
from pipeline.storage import ParseError, RawFile
from schemas import REJECT_REASONS, ParsedOccurrences, Rejects
from schemas.derive import arrow_schema, validate

SUMMARY = "summary.json"  # a part's counts
MODELS = {OCCURRENCES: ParsedOccurrences, REJECTS: Rejects}  # each table's schema
# Rows of a part's row groups: what the stage holds of a file's rows before writing them.
ROW_GROUP_ROWS = 10_000


class _Bytes:
    """The bytes of an open file as `plan` takes them (a length and slices), read when
    sliced: none are held, nor mapped."""

    def __init__(self, file: pa.NativeFile):
        self.file, self.size = file, file.size()

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, where: slice) -> bytes:
        start, stop, _ = where.indices(self.size)
        return self.file.read_at(max(0, stop - start), start)


class Task(NamedTuple):
    """A chunk of the raw `file` to parse into its part `folder`, or (no chunk) the part,
    which exists."""

    file: RawFile
    digest: str
    folder: Path
    chunk: Chunk | None = None


def _folder(out: Path, rules: Rules, max_control_ratio: float, source: str, digest: str) -> Path:
    """The part folder of the raw file `source` whose bytes have `digest`."""
    return out / PARTS / part_name(repr(rules), repr(max_control_ratio), source, digest)


def _kept(file: RawFile, digest: str | None, folder: Callable[[str, str], Path]) -> bool:
    """Whether the raw `file` is as it was last run (its `digest` then, if known) and its
    part is in its `folder`."""
    return bool(digest) and (folder(file.source, digest) / SUMMARY).exists()


def _tasks(
    files: Iterable[tuple[RawFile, str | None, bool]],
    folder: Callable[[str, str], Path],
    rules: Rules,
    max_control_ratio: float,
    chunk_bytes: int,
) -> Iterator[Task]:
    """The tasks of each raw file (with its digest if known, and whether it is `_kept`), in
    order: its part if it exists, else its chunks. A kept file (as it was last run, its
    part there) is not read."""
    for file, digest, kept in files:
        if not kept:
            digest = storage.digest(file)
        task = Task(file, digest, folder(file.source, digest))
        if kept or (task.folder / SUMMARY).exists():
            yield task
            continue
        chunks = [Chunk(0, file.size)]
        if file.size > chunk_bytes:
            with storage.opened(file) as handle:
                chunks = plan(_Bytes(handle), chunk_bytes, rules, max_control_ratio)
        yield from (task._replace(chunk=chunk) for chunk in chunks)


def parse_tasks(
    tasks: list[Task], rules: Rules, max_control_ratio: float
) -> list[tuple[Task, object]]:
    """Each task and its result: the summary of its part, read if the part exists, written
    if the chunk is the whole file; else the chunk's tables and what was counted. The
    occurrences (and the rejects) of every chunk are validated together, so that a group
    of small files pays validation's fixed cost once; a file that cannot be parsed fails
    the group after the files before it are validated, so that errors come in file order."""
    parsed, failure = [], None
    for task in tasks:
        try:
            parsed.append(_parsed(task, rules, max_control_ratio) if task.chunk else None)
        except ParseError as error:
            failure = error
            break
    for file, model in MODELS.items():
        found = [tables[file] for tables, _ in filter(None, parsed)]
        if found:
            validate(model, pa.concat_tables(found))
    if failure:
        raise failure
    return [(task, _result(task, chunk)) for task, chunk in zip(tasks, parsed, strict=True)]


def _result(task: Task, parsed: tuple | None) -> object:
    """A task's result (`parse_tasks`), from its chunk parsed if it has one."""
    if task.chunk is None:
        return json.loads((task.folder / SUMMARY).read_text(encoding="utf-8"))
    return _write_part(task, [parsed]) if task.chunk.whole else parsed


def _parsed(
    task: Task, rules: Rules, max_control_ratio: float
) -> tuple[dict[str, pa.Table], ParsedDump]:
    """A task's chunk parsed: its rows as tables, and what was counted on the way."""
    chunk = task.chunk
    with storage.opened(task.file) as handle:
        data = handle.read_at(chunk.end - chunk.start, chunk.start)
    try:
        parsed = parse_chunk(data, chunk, task.file.source, rules, max_control_ratio)
    except CoverageError as error:
        where = "" if chunk.whole else f" (in the chunk from line {chunk.line}, byte {chunk.start})"
        raise ParseError(
            f"{task.file.name}:{error}{where} (lossless invariant broken: please report)"
        ) from None
    found = {OCCURRENCES: parsed.occurrences, REJECTS: parsed.rejects}
    tables = {file: _conformed(found[file], arrow_schema(MODELS[file])) for file in found}
    return tables, replace(parsed, occurrences=None, rejects=None)  # validated by the caller


def _conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table`'s columns as `schema` has them; a field column that no label is configured
    for (`parse.fields`) all null."""
    return pa.table(
        [
            table[f.name] if f.name in table.column_names else pa.nulls(len(table), f.type)
            for f in schema
        ],
        schema=schema,
    )


def _gathered(results: Iterator[tuple[Task, object]], bar) -> tuple[dict, bool, str]:
    """A raw file's summary, whether it was parsed now, and its digest, from the results of
    its tasks: the chunks of a file cut in several are written here, in order, into its
    part (a worker wrote the part of a file parsed whole)."""
    task, result = next(results)
    if task.chunk is None or task.chunk.whole:
        bar.update(task.file.size)
        return result, task.chunk is not None, task.digest
    return _write_part(task, _ticked(chain([(task, result)], results), bar)), True, task.digest


def _ticked(results: Iterator[tuple[Task, object]], bar) -> Iterator:
    """The results of chunks; the bar moves by each chunk's bytes once it is written."""
    for task, result in results:
        yield result
        bar.update(task.chunk.end - task.chunk.start)


def _write_part(task: Task, chunks: Iterable[tuple[dict[str, pa.Table], ParsedDump]]) -> dict:
    """Write the parsed chunks of one raw file, in order, into its part; return the part's
    summary. Every chunk's rows were validated: their spans lie within it, so the rows of
    all are unique and in order too."""
    counted, reasons, encodings, occurrences = [], Counter(), Counter(), 0
    with (
        atomic_dir(task.folder, retried=True) as tmp,
        RowGroupWriter(tmp / OCCURRENCES, arrow_schema(ParsedOccurrences), ROW_GROUP_ROWS) as found,
        RowGroupWriter(tmp / REJECTS, arrow_schema(Rejects), ROW_GROUP_ROWS) as rejected,
    ):
        writers = {OCCURRENCES: found, REJECTS: rejected}
        for tables, parsed in chunks:
            for file, table in tables.items():
                writers[file].write(table)
                encodings.update(e for e in table.column("encoding").to_pylist() if e)
            reasons.update(tables[REJECTS].column("reason").to_pylist())
            occurrences += tables[OCCURRENCES].num_rows
            counted.append(parsed)
        result = {
            "source": task.file.source,
            "part": task.folder.name,
            "bytes": task.file.size,
            "empty": all(parsed.empty for parsed in counted),
            "not_text": any(parsed.not_text for parsed in counted),
            "occurrences": occurrences,
            "reasons": reasons,
            "encodings": encodings,
            "compression": counted[0].compression,
            "encoding": _file_encoding(counted[0], encodings),
        }
        write_json(tmp / SUMMARY, result)
    return result


def _file_encoding(parsed, spans: Counter) -> str | None:
    """How a file was read: what its byte-order mark declared, `cp1252` if any span fell
    back to it, `utf-8`, or None for a file not read as text or empty."""
    if parsed.encoding or not spans:
        return parsed.encoding
    return "cp1252" if spans["cp1252"] else "utf-8"


def run(
    raw: str | Path,
    out: Path,
    metrics: Path,
    rules: Rules,
    max_control_ratio: float,
    workers: int,
    chunk_bytes: int = CHUNK_BYTES,
    meanwhile: Callable[[], None] | None = None,
) -> dict:
    """Parse every raw file of the folder `raw` (a path, or a URI: `pipeline.storage`) into
    its part of `out` (reusing the parts of files parsed before), a file larger than
    `chunk_bytes` a chunk at a time across the workers, while this process runs
    `meanwhile` (`parallel.mapper`) if some file is to be parsed.

    Return the metrics, and how many files were `parsed` now (the others were reused)."""
    files = storage.listing(raw)
    parts.start(out)
    seen = out.with_name(f"{out.name}.files.json")  # "stamp source" -> digest, as last run
    known = json.loads(seen.read_text(encoding="utf-8")) if seen.exists() else {}
    keys = [f"{file.stamp} {file.source}" for file in files]
    sizes = [file.size for file in files]
    folder = partial(_folder, out, rules, max_control_ratio)
    before = list(map(known.get, keys))  # each file's digest last run, if it is as it was
    kept = [_kept(file, digest, folder) for file, digest in zip(files, before, strict=True)]
    if all(kept):
        meanwhile = None  # nothing to parse: normalize loads what it needs if it has work
    else:
        utf8.load(parse=True)  # before the workers fork: they share it
    listed = zip(files, before, kept, strict=True)
    tasks = _tasks(listed, folder, rules, max_control_ratio, chunk_bytes)
    work = ((task, task.chunk.end - task.chunk.start if task.chunk else 0) for task in tasks)
    groups = grouped(work, group_limit(sum(sizes), chunk_bytes, capacity(workers)))
    job = partial(parse_tasks, rules=rules, max_control_ratio=max_control_ratio)
    most = sum(max(1, -(-size // chunk_bytes)) for size in sizes)  # tasks at most
    results = chain.from_iterable(ordered_map(job, groups, processes(workers, most), meanwhile))
    summaries, digests, parsed = [], [], 0
    with progress(total=sum(sizes), unit="B", unit_scale=True, unit_divisor=1024) as bar:
        by_file = groupby(results, key=lambda result: result[0].folder)
        for summary, new, digest in (_gathered(tasks, bar) for _, tasks in by_file):
            summaries.append(summary)
            digests.append(digest)
            parsed += new
    entries = [{"source": s["source"], "part": s["part"]} for s in summaries]
    parts.finish(out, entries)
    write_json(seen, dict(zip(keys, digests, strict=True)))
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
    }  # as many figures however many files: the report plots them per file
    write_json(metrics, summary)
    return summary | {"parsed": parsed}


def _counts(values) -> dict:
    """How many of the values are each value, None aside, sorted."""
    return dict(sorted(Counter(v for v in values if v).items()))
