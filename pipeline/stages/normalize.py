"""The normalize stage: every occurrence's clean text, flags, enrichment, and its dedup
key's digests and bands."""

from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import parts
from pipeline.core import minhash, released, utf8, words
from pipeline.core.batch import features_batch
from pipeline.core.dedup import DedupParams, band_hashes, digest, key_heads, stable_id
from pipeline.core.ids import raw_digest
from pipeline.io import PARQUET, atomic_dir, parquet_rows
from pipeline.parallel import capacity, group_limit, grouped, ordered_map, workers
from pipeline.parts import OCCURRENCES, PARTS, part_name
from pipeline.progress import progress
from schemas import NormalizedOccurrences
from schemas.derive import arrow_schema, validate


def normalize_batch(batch: pa.RecordBatch, params: DedupParams) -> pa.Table:
    """The batch of parsed occurrences with their features, key and raw digests and LSH
    bands, validated."""
    columns = {name: batch.column(name) for name in batch.schema.names}
    columns |= features_batch(batch.column("text_raw"))
    keys = utf8.views(columns["key"])
    columns["key_id"] = list(map(stable_id, keys))
    columns["key_hash"] = list(map(digest, keys))
    columns["text_hash"] = list(map(digest, utf8.views(columns["text"])))
    columns["key_head"] = key_heads(columns["key"], params)
    columns["raw_hash"] = list(map(raw_digest, utf8.views(batch.column("text_raw"))))
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


def _part_name(entry: dict, params: DedupParams, batch_rows: int) -> str:
    """The name of a parse part's normalized part: its input, and the params it depends on."""
    keyed = (params.shingle_words, params.num_perm, params.bands, params.seed)
    keyed += (params.truncated_min_words,)  # what the bands and the key heads depend on
    return part_name(entry["part"], repr(keyed), str(batch_rows))


def normalize_parts(
    group: list[tuple[dict, str, int]],
    parsed: Path,
    out: Path,
    params: DedupParams,
    batch_rows: int,
) -> int:
    """Normalize a group of parse parts (entries with the names of their parts of `out` and
    their rows) and return how many: a part of more than `batch_rows` rows a batch at a
    time, smaller ones all at once, so that validation's fixed cost is paid once a group. A
    part's file is the same in any group: its rows in the row groups of the batches it is
    read in."""
    paths = [parsed / PARTS / entry["part"] / OCCURRENCES for entry, _, _ in group]
    sizes = [rows for _, _, rows in group]
    if len(group) == 1 and sizes[0] > batch_rows:
        batches = pq.ParquetFile(paths[0]).iter_batches(batch_size=batch_rows)
        made = [(normalize_batch(batch, params) for batch in batches)]
    else:
        table = pa.concat_tables(map(_read, paths)).combine_chunks()
        whole = normalize_batch(table.to_batches()[0], params) if table.num_rows else table
        offsets = np.cumsum([0, *sizes])
        made = [[whole.slice(offsets[k], size)] for k, size in enumerate(sizes)]
    schema = arrow_schema(NormalizedOccurrences)
    for (_, name, _), tables in zip(group, made, strict=True):
        with (
            atomic_dir(out / PARTS / name, retried=True) as tmp,
            pq.ParquetWriter(tmp / OCCURRENCES, schema, **PARQUET) as writer,
        ):
            for table in tables:
                if table.num_rows:  # a zero-row row group breaks readers
                    writer.write_table(table)
    return len(group)


def load() -> None:
    """Load what normalizing calls (numba's compiled functions, wordfreq's list) now rather
    than at its first use."""
    utf8.load(normalize=True)
    released.load()
    minhash.load(bands=True)
    words.load()


def run(parsed: Path, out: Path, params: DedupParams, batch_rows: int, processes: int) -> dict:
    """Normalize each part of `parsed` into its part of `out` (reusing the parts made
    before), small parts in groups (`normalize_parts`); return the counts of rows, files
    and files normalized now."""
    entries = parts.index(parsed)
    names = [_part_name(entry, params, batch_rows) for entry in entries]
    parts.start(out)
    files = [out / PARTS / name / OCCURRENCES for name in names]
    todo = [
        (e, n, parquet_rows(parsed / PARTS / e["part"] / OCCURRENCES))
        for e, n, path in zip(entries, names, files, strict=True)
        if not path.exists()
    ]
    limit = group_limit(sum(rows for _, _, rows in todo), batch_rows, capacity(processes))
    groups = list(grouped(((item, item[2]) for item in todo), limit))
    job = partial(normalize_parts, parsed=parsed, out=out, params=params, batch_rows=batch_rows)
    if groups:  # before the workers fork: they share it; nothing to load for no work
        load()
    with progress(total=len(entries), unit="file") as bar:
        bar.update(len(entries) - len(todo))
        for count in ordered_map(job, groups, workers(processes, len(groups))):
            bar.update(count)
    done = [  # each with its parse part, which holds the rows' `text_raw`
        {"source": e["source"], "part": n, "parsed": e["part"]}
        for e, n in zip(entries, names, strict=True)
    ]
    parts.finish(out, done)
    return {
        "occurrences": sum(map(parquet_rows, files)),
        "files": len(done),
        "normalized": len(todo),
    }


def _read(path: Path) -> pa.Table:
    """The Parquet file at `path`, its file closed once read."""
    with pq.ParquetFile(path) as file:
        return file.read()
