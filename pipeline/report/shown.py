"""The rows the report page shows, read a shard at a time: the largest groups (from the
shards' summaries, `pipeline.report.summary`) with their texts and where their copies are,
the first abstracts (searchable on the page: `pipeline.report.table`), and a few rejects
of each reason."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io import read_rows
from pipeline.release.reader import config_tables, shards
from pipeline.report.summary import LARGEST
from pipeline.report.table import Table, searchable

PER_REASON = 3  # rejects shown of each reason


@dataclass(frozen=True)
class Shown:
    groups: list[dict]  # the largest groups: id, n_occurrences, row and `at`, largest first
    copies: dict[str, list[dict]]  # abstract_id -> its occurrences' source, line_start, match
    table: Table  # the first abstracts, searchable
    rejects: list[dict]  # reason, source, line_start, text, in release order
    texts: dict[int, str]  # row -> text, of the abstracts in `groups`

    def record(self) -> dict:
        """What to keep for the next run: the table's record, the groups' texts by `at`."""
        texts = {group["at"]: self.texts[group["row"]] for group in self.groups}
        return {"table": self.table.record(), "texts": texts}


def shown(release: Path, table_rows: int, pieces: dict, kept: dict, found: dict) -> Shown:
    """What the report shows of the release in folder `release`, whose shards' summaries
    are `found`; what the last run kept (`Shown.record`) spares reading the searchable
    table (the `pieces` of the page written before, `table.kept`, where they hold the same
    rows) and the texts of the groups it showed, from shards that did not change."""
    groups = largest(found["default"])
    return Shown(
        groups=groups,
        copies=copies(release, [group["id"] for group in groups]),
        table=searchable(release, table_rows, pieces),
        rejects=rejects(release),
        texts=texts(release, groups, kept.get("texts") or {}),
    )


def _numbered(tables):
    """Each table of `tables` with a `row` column: its rows' numbers in the whole config."""
    start = 0
    for table in tables:
        rows = pa.array(np.arange(start, start + table.num_rows, dtype=np.int64))
        start += table.num_rows
        yield table.append_column("row", rows)


def largest(found: list[dict], top: int = LARGEST) -> list[dict]:
    """The `top` largest groups of the default shards whose summaries are `found`, largest
    first, then by id (unique: the order is total), each with its row in the config and
    `at`, its shard's key and its row there."""
    groups, start = [], 0
    for shard in found:
        for group in shard["largest"]:
            at = f"{shard['key']}:{group['row']}"
            groups.append(group | {"row": start + group["row"], "at": at})
        start += shard["rows"]
    return sorted(groups, key=lambda group: (-group["n_occurrences"], group["id"]))[:top]


def texts(release: Path, groups: list[dict], kept: dict) -> dict[int, str]:
    """The texts of the abstracts of `groups`, by row: those `kept` by `at` taken from
    there, the others read."""
    found = {g["row"]: kept[g["at"]] for g in groups if isinstance(kept.get(g["at"]), str)}
    missing = [group["row"] for group in groups if group["row"] not in found]
    return found | (read_rows(shards(release, "default"), "text", missing) if missing else {})


def copies(release: Path, ids: list[str]) -> dict[str, list[dict]]:
    """Where the occurrences of the abstracts `ids` are, in release order."""
    wanted, found = pa.array(ids, pa.string()), {}
    columns = ["abstract_id", "source", "line_start", "match"]
    for table in config_tables(release, "occurrences", columns):
        for row in table.filter(pc.is_in(table.column("abstract_id"), wanted)).to_pylist():
            found.setdefault(row["abstract_id"], []).append(row)
    return found


def rejects(release: Path, per_reason: int = PER_REASON) -> list[dict]:
    """The first `per_reason` rejects of each reason, in release order."""
    picked, seen = [], Counter()
    columns = ["reason", "source", "line_start", "text"]
    for table in _numbered(config_tables(release, "rejects", columns)):
        reason = table.column("reason")
        for value in pc.unique(reason).to_pylist():
            at = pc.indices_nonzero(pc.equal(reason, value))[: per_reason - seen[value]]
            seen[value] += len(at)
            picked += table.take(at).to_pylist()
    return sorted(picked, key=lambda row: row["row"])
