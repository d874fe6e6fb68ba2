"""The normalize stage: every occurrence's clean text and the flags dedup ranks copies by."""

from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.flags import has_lost_characters, has_math, is_truncated
from pipeline.core.normalize import normalize
from pipeline.io import atomic_dir
from pipeline.parallel import ordered_map, workers
from pipeline.progress import progress
from schemas import NormalizedOccurrences
from schemas.derive import arrow_schema, validate


def normalize_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """The batch of parsed occurrences with `text` and its flags added, validated."""
    raw = batch.column("text_raw").to_pylist()
    texts = [normalize(text) for text in raw]
    columns = {
        "text": texts,
        "is_truncated": [is_truncated(text) for text in texts],
        "has_lost_characters": [has_lost_characters(text) for text in texts],
        "has_math": [has_math(text) for text in raw],
    }
    table = pa.Table.from_batches([batch])
    for name, values in columns.items():
        table = table.append_column(schema.field(name), pa.array(values, schema.field(name).type))
    validate(NormalizedOccurrences, table)
    return table


def run(parsed: Path, out: Path, batch_rows: int, processes: int) -> int:
    """Normalize parsed/occurrences.parquet into out/occurrences.parquet; return the rows."""
    schema = arrow_schema(NormalizedOccurrences)
    source = pq.ParquetFile(parsed / "occurrences.parquet")
    rows = source.metadata.num_rows
    job = partial(normalize_batch, schema=schema)
    batches = source.iter_batches(batch_size=batch_rows)
    with (
        atomic_dir(out) as tmp,
        pq.ParquetWriter(tmp / "occurrences.parquet", schema, compression="zstd") as writer,
        progress(total=rows, unit="abstract") as bar,
    ):
        for table in ordered_map(job, batches, workers(processes, -(-rows // batch_rows))):
            writer.write_table(table)
            bar.update(table.num_rows)
    return rows
