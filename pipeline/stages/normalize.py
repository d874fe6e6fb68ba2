"""The normalize stage: every occurrence's clean text, flags, enrichment and dedup key."""

from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import parts
from pipeline.core.dedup import DedupParams, band_hashes, digest, key_head, stable_id
from pipeline.core.features import features
from pipeline.core.ids import raw_digest
from pipeline.io import PARQUET, atomic_dir
from pipeline.parallel import ordered_map, workers
from pipeline.parts import OCCURRENCES, PARTS, part_name
from pipeline.progress import progress
from schemas import NormalizedOccurrences
from schemas.derive import arrow_schema, validate


def normalize_batch(batch: pa.RecordBatch, params: DedupParams) -> pa.Table:
    """The batch of parsed occurrences with their features, key and raw digests and LSH
    bands (validated by the caller)."""
    raw = batch.column("text_raw").to_pylist()
    derived = [features(text) for text in raw]
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns |= {name: [row[name] for row in derived] for name in derived[0]} if derived else {}
    keys = columns.get("key", [])
    columns["key_id"] = list(map(stable_id, keys))
    columns["key_hash"] = list(map(digest, keys))
    columns["text_hash"] = list(map(digest, columns.get("text", [])))
    columns["key_head"] = [key_head(key, params.truncated_min_words) for key in keys]
    columns["raw_hash"] = list(map(raw_digest, raw))
    bands = band_hashes(keys, params)
    columns["lsh"] = pa.FixedSizeListArray.from_arrays(bands.ravel(), params.bands).cast(
        arrow_schema(NormalizedOccurrences).field("lsh").type
    )
    schema = arrow_schema(NormalizedOccurrences)
    return pa.Table.from_pydict({n: columns.get(n, []) for n in schema.names}, schema=schema)


def grouped(counts: list[int], batch_rows: int) -> list[list[int]]:
    """The indices of parts of `counts` rows in consecutive groups of at most `batch_rows`
    rows together (a larger part alone): a worker validates a group's rows at once, so that
    Pandera's fixed cost is paid once for many small raw files."""
    groups, rows = [], 0
    for index, count in enumerate(counts):
        if not groups or rows + count > batch_rows:
            groups, rows = [*groups, []], 0
        groups[-1].append(index)
        rows += count
    return groups


def _derived(entry: dict, parsed: Path, params: DedupParams, batch_rows: int):
    """The normalized tables of one parse part, `batch_rows` rows at a time."""
    source = pq.ParquetFile(parsed / PARTS / entry["part"] / OCCURRENCES)
    for batch in source.iter_batches(batch_size=batch_rows):
        yield normalize_batch(batch, params)


def _validated(table: pa.Table) -> pa.Table:
    validate(NormalizedOccurrences, table)
    return table


def _write(folder: Path, tables) -> None:
    """Write the tables as the part in `folder`, all or nothing."""
    schema = arrow_schema(NormalizedOccurrences)
    with (
        atomic_dir(folder) as tmp,
        pq.ParquetWriter(tmp / OCCURRENCES, schema, **PARQUET) as writer,
    ):
        for table in tables:
            writer.write_table(table)


def normalize_group(
    entries: list[dict], parsed: Path, out: Path, params: DedupParams, batch_rows: int
) -> list[tuple[dict, int, bool]]:
    """Normalize the parse parts of a group of `entries` (`grouped`) into their parts of
    `out`, unless they exist; return each one's entry in the index, its rows, and whether
    it was normalized now. A part alone, perhaps large, is validated a batch at a time as
    it is written; the small parts of a group, at once before they are."""
    keyed = (params.shingle_words, params.num_perm, params.bands, params.seed)
    keyed += (params.truncated_min_words,)  # what the bands and the key heads depend on
    named = [
        (entry, out / PARTS / part_name(entry["part"], repr(keyed), str(batch_rows)))
        for entry in entries
    ]
    todo = [(entry, folder) for entry, folder in named if not (folder / OCCURRENCES).exists()]
    derived = partial(_derived, parsed=parsed, params=params, batch_rows=batch_rows)
    if len(named) == 1:
        for entry, folder in todo:
            _write(folder, map(_validated, derived(entry)))
    else:
        made = [(folder, list(derived(entry))) for entry, folder in todo]
        if made:
            validate(NormalizedOccurrences, pa.concat_tables(t for _, ts in made for t in ts))
        for folder, tables in made:
            _write(folder, tables)
    return [
        (
            {"source": entry["source"], "part": folder.name},
            pq.ParquetFile(folder / OCCURRENCES).metadata.num_rows,
            (entry, folder) in todo,
        )
        for entry, folder in named
    ]


def run(parsed: Path, out: Path, params: DedupParams, batch_rows: int, processes: int) -> dict:
    """Normalize each part of `parsed` into its part of `out` (reusing the parts made
    before); return the counts of rows, files and files normalized now."""
    entries = parts.index(parsed)
    parts.start(out)
    counts = [pq.ParquetFile(path).metadata.num_rows for path in parts.paths(parsed, OCCURRENCES)]
    groups = [[entries[i] for i in group] for group in grouped(counts, batch_rows)]
    job = partial(normalize_group, parsed=parsed, out=out, params=params, batch_rows=batch_rows)
    done, rows, normalized = [], 0, 0
    with progress(total=len(entries), unit="file") as bar:
        for group in ordered_map(job, groups, workers(processes, len(groups))):
            for entry, count, new in group:
                done.append(entry)
                rows += count
                normalized += new
            bar.update(len(group))
    parts.finish(out, done)
    return {"occurrences": rows, "files": len(done), "normalized": normalized}
