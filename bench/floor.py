"""The floor: the least any pipeline over the raw dumps must do, in one process.

    python bench/floor.py RAW OUT

Reads every file of RAW (sorted), splits it on the `Abstract` markers, decodes each text
as UTF-8 and writes all texts to OUT, one zstd Parquet file with one string column.
"""

import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# `Abstract:` opening a line, or `Abstract` alone on it, as the parse stage takes them.
MARKER = re.compile(rb"(?im)^[ \t]*abstract(?:[ \t]*:|[ \t]*$)")
BATCH_ROWS = 10_000
SCHEMA = pa.schema([("text", pa.string())])


def texts(raw: Path):
    """The text after each marker of every file in `raw`, in file order."""
    for path in sorted(raw.iterdir()):
        for piece in MARKER.split(path.read_bytes())[1:]:
            yield piece.decode("utf-8", errors="replace")


def write(raw: Path, out: Path) -> int:
    """Write the texts of `raw` to `out` in batches; return how many there were."""
    rows, batch = 0, []
    with pq.ParquetWriter(out, SCHEMA, compression="zstd") as writer:
        for text in texts(raw):
            batch.append(text)
            if len(batch) == BATCH_ROWS:
                writer.write_table(pa.table({"text": batch}, schema=SCHEMA))
                rows, batch = rows + len(batch), []
        if batch:
            writer.write_table(pa.table({"text": batch}, schema=SCHEMA))
    return rows + len(batch)


if __name__ == "__main__":
    print(write(Path(sys.argv[1]), Path(sys.argv[2])))
