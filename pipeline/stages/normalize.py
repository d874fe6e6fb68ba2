"""The normalize stage: every occurrence's clean text, flags, enrichment and dedup key."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.features import features
from pipeline.io import atomic_dir
from pipeline.parallel import ordered_map, workers
from pipeline.progress import progress
from schemas import NormalizedOccurrences
from schemas.derive import arrow_schema, validate


def normalize_batch(batch: pa.RecordBatch) -> pa.Table:
    """The batch of parsed occurrences with their features added, validated."""
    derived = [features(text) for text in batch.column("text_raw").to_pylist()]
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns |= {name: [row[name] for row in derived] for name in derived[0]} if derived else {}
    schema = arrow_schema(NormalizedOccurrences)
    table = pa.Table.from_pydict(
        {name: columns.get(name, []) for name in schema.names}, schema=schema
    )
    validate(NormalizedOccurrences, table)
    return table


def run(parsed: Path, out: Path, batch_rows: int, processes: int) -> int:
    """Normalize parsed/occurrences.parquet into out/occurrences.parquet; return the rows."""
    source = pq.ParquetFile(parsed / "occurrences.parquet")
    rows = source.metadata.num_rows
    batches = source.iter_batches(batch_size=batch_rows)
    schema = arrow_schema(NormalizedOccurrences)
    with (
        atomic_dir(out) as tmp,
        pq.ParquetWriter(tmp / "occurrences.parquet", schema, compression="zstd") as writer,
        progress(total=rows, unit="abstract") as bar,
    ):
        for table in ordered_map(
            normalize_batch, batches, workers(processes, -(-rows // batch_rows))
        ):
            writer.write_table(table)
            bar.update(table.num_rows)
    return rows
