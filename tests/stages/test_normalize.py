"""The normalize stage: small parts normalized in groups, each part's file the same in any."""

import shutil
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipeline import parts
from pipeline.io import parquet_rows
from pipeline.stages import normalize as stage
from pipeline.stages import parse
from schemas.derive import TableError
from tests.conftest import SEEDS, tree


@pytest.fixture(scope="module")
def parsed(tmp_path_factory, params, acl_corpus):
    """Parse parts of a few ACL dumps and of the seeds, and of a dump with no abstract."""
    raw = tmp_path_factory.mktemp("raw")
    for dump in sorted(acl_corpus.glob("*.txt"))[:12]:
        shutil.copy(dump, raw)
    shutil.copytree(SEEDS, raw / "seeds")
    (raw / "no-abstract.txt").write_text("Nothing here but a line outside any abstract.\n")
    out = tmp_path_factory.mktemp("parsed") / "parse"
    rules, ratio = params.parse()
    parse.run(raw, out, out.with_name("parse.json"), rules, ratio, 2)
    return out


def occurrences(folder):
    return sum(
        pq.ParquetFile(path).metadata.num_rows for path in parts.paths(folder, parts.OCCURRENCES)
    )


def normalized(parsed, out, params, batch_rows, workers):
    summary = stage.run(parsed, out, params.dedup(), batch_rows, workers)
    return tree(out), summary


def test_each_part_is_the_same_in_any_group_and_batch(tmp_path, params, parsed):
    """One worker gets about four groups, four about sixteen; each part is the one a task
    of its own makes; 40 rows a batch cuts the parts of more alone into batches."""
    found = [
        normalized(parsed, tmp_path / str(workers), params, 5000, workers) for workers in (1, 4)
    ]
    assert found[0] == found[1]
    entries = len(parts.index(parsed))
    assert found[0][1] == {
        "occurrences": occurrences(parsed),
        "files": entries,
        "normalized": entries,
    }
    grouped, alone = tmp_path / "1", tmp_path / "alone"
    for entry, made in zip(parts.index(parsed), parts.index(grouped), strict=True):
        rows = parquet_rows(parsed / parts.PARTS / entry["part"] / parts.OCCURRENCES)
        stage.normalize_parts([(entry, made["part"], rows)], parsed, alone, params.dedup(), 5000)
        part = Path(parts.PARTS, made["part"], parts.OCCURRENCES)
        assert (alone / part).read_bytes() == (grouped / part).read_bytes()
    cut = tmp_path / "40-2"
    normalized(parsed, cut, params, 40, 2)
    files = parts.paths(cut, parts.OCCURRENCES)
    groups = [pq.ParquetFile(path).metadata.num_row_groups for path in files]
    rows = [pq.ParquetFile(path).metadata.num_rows for path in files]
    assert groups == [-(-n // 40) for n in rows]  # a part of no rows has no row group
    assert 0 in rows


def test_validation_runs_once_a_group(tmp_path, params, parsed, monkeypatch):
    tables = []
    check = stage.validate
    monkeypatch.setattr(stage, "validate", lambda model, t: tables.append(t) or check(model, t))
    normalized(parsed, tmp_path / "out", params, 5000, 1)
    # about four groups for the one worker (a group ends before it would pass a quarter)
    assert 4 <= len(tables) <= 8 < len(parts.index(parsed))
    assert sum(t.num_rows for t in tables) == occurrences(parsed)


def test_a_bad_row_in_a_group_names_its_file_and_line(tmp_path, params, parsed, monkeypatch):
    """The row's own file and line, whichever part of the group it is in."""
    entries = parts.index(parsed)
    path = parts.paths(parsed, parts.OCCURRENCES)[len(entries) // 2]
    row = pq.read_table(path).slice(3, 1).to_pylist()[0]
    features = stage.features_batch

    def spoiled(text_raw):  # the row's defects out of their range, 0 to 7
        columns = features(text_raw)
        bad = pc.equal(text_raw, row["text_raw"])
        columns["defects"] = pc.if_else(bad, 8, columns["defects"])
        return columns

    monkeypatch.setattr(stage, "features_batch", spoiled)
    where = f"{row['source']}:{row['line_start']}: less_than_or_equal_to.* on defects = 8"
    with pytest.raises(TableError, match=where):
        normalized(parsed, tmp_path / "out", params, 5000, 1)
