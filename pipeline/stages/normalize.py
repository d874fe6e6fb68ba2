"""The normalize stage: every occurrence's clean text, flags, enrichment and dedup key."""

from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import parts
from pipeline.core import minhash, utf8
from pipeline.core.batch import features_batch
from pipeline.core.dedup import DedupParams, band_hashes, digest, key_head, stable_id
from pipeline.core.ids import raw_digest
from pipeline.io import PARQUET, atomic_dir
from pipeline.parallel import ordered_map, workers
from pipeline.parts import OCCURRENCES, PARTS, part_name
from pipeline.progress import progress
from schemas import NormalizedOccurrences
from schemas.derive import arrow_schema, validate


def normalize_batch(batch: pa.RecordBatch, params: DedupParams) -> pa.Table:
    """The batch of parsed occurrences with their features, key and raw digests and LSH
    bands, validated."""
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns |= features_batch(batch.column("text_raw"))
    raw = batch.column("text_raw").to_pylist()
    keys = columns["key"].to_pylist()
    columns["key_id"] = list(map(stable_id, keys))
    columns["key_hash"] = list(map(digest, keys))
    columns["text_hash"] = list(map(digest, columns["text"].to_pylist()))
    columns["key_head"] = [key_head(key, params.truncated_min_words) for key in keys]
    columns["raw_hash"] = list(map(raw_digest, raw))
    bands = band_hashes(columns["key"], params)
    columns["lsh"] = pa.FixedSizeListArray.from_arrays(bands.ravel(), params.bands).cast(
        arrow_schema(NormalizedOccurrences).field("lsh").type
    )
    schema = arrow_schema(NormalizedOccurrences)
    table = pa.Table.from_pydict(
        {name: columns.get(name, []) for name in schema.names}, schema=schema
    )
    validate(NormalizedOccurrences, table)
    return table


def normalize_part(entry: dict, parsed: Path, out: Path, params: DedupParams, batch_rows: int):
    """Normalize one parse part into its part of `out`, unless it exists; return its entry
    in the index, its rows, and whether it was normalized now."""
    keyed = (params.shingle_words, params.num_perm, params.bands, params.seed)
    keyed += (params.truncated_min_words,)  # what the bands and the key heads depend on
    name = part_name(entry["part"], repr(keyed), str(batch_rows))
    target = out / PARTS / name / OCCURRENCES
    new = not target.exists()
    if new:
        source = pq.ParquetFile(parsed / PARTS / entry["part"] / OCCURRENCES)
        schema = arrow_schema(NormalizedOccurrences)
        with (
            atomic_dir(target.parent, retried=True) as tmp,
            pq.ParquetWriter(tmp / OCCURRENCES, schema, **PARQUET) as writer,
        ):
            for batch in source.iter_batches(batch_size=batch_rows):
                writer.write_table(normalize_batch(batch, params))
    rows = pq.ParquetFile(target).metadata.num_rows
    return {"source": entry["source"], "part": name}, rows, new


def run(parsed: Path, out: Path, params: DedupParams, batch_rows: int, processes: int) -> dict:
    """Normalize each part of `parsed` into its part of `out` (reusing the parts made
    before); return the counts of rows, files and files normalized now."""
    entries = parts.index(parsed)
    parts.start(out)
    job = partial(normalize_part, parsed=parsed, out=out, params=params, batch_rows=batch_rows)
    utf8.load()  # the compiled functions, before the workers fork: they share them
    minhash.load()
    done, rows, normalized = [], 0, 0
    with progress(total=len(entries), unit="file") as bar:
        for entry, count, new in ordered_map(job, entries, workers(processes, len(entries))):
            done.append(entry)
            rows += count
            normalized += new
            bar.update()
    parts.finish(out, done)
    return {"occurrences": rows, "files": len(done), "normalized": normalized}
