"""Parquet written in pieces: the same bytes however the rows came; folders replaced whole,
however many attempts write them at once."""

import multiprocessing
import time
from itertools import pairwise

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.io import RowGroupWriter, atomic_dir, read_state, write_parquet, write_state

SCHEMA = pa.schema([("text", pa.string()), ("n", pa.int64())])


TEXTS = pa.table({"text": [f"text {i} " * (i % 300) for i in range(3000)], "n": range(3000)})


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 3000), max_size=8), st.sampled_from([1, 7, 1000, 2500, 5000]))
def test_rows_written_in_pieces_give_the_bytes_of_one_write(tmp_path_factory, cuts, group):
    """Row groups of several data pages (of 1 MiB) too, whose bounds fall inside pieces."""
    folder = tmp_path_factory.mktemp("io")
    table = TEXTS.cast(SCHEMA)
    write_parquet(table, folder / "one.parquet", group)
    bounds = [0, *sorted(cuts), table.num_rows]
    with RowGroupWriter(folder / "pieces.parquet", SCHEMA, group) as writer:
        for start, end in pairwise(bounds):
            writer.write(pa.Table.from_pylist(table.slice(start, end - start).to_pylist(), SCHEMA))
    assert (folder / "pieces.parquet").read_bytes() == (folder / "one.parquet").read_bytes()


FILES = 20


def _attempt(part, start, retried: bool) -> None:
    """Write the part's files one by one, slowly, as a task does, once `start` is set."""
    start.wait()
    with atomic_dir(part, retried=retried) as tmp:
        for i in range(FILES):
            (tmp / f"{i}.txt").write_text(f"file {i}\n")
            time.sleep(0.002)


def test_attempts_at_once_at_one_part_each_leave_it_whole(tmp_path):
    """A task Ray runs again while its first run goes on: each attempt writes its own
    folder, the first to end puts it in place, and the part is whole at the end. A killed
    attempt's folder stays until the stage's end (`parts.finish`)."""
    part = tmp_path / "parts" / "a1b2"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    attempts = [context.Process(target=_attempt, args=(part, start, True)) for _ in range(4)]
    for attempt in attempts:
        attempt.start()
    start.set()
    for attempt in attempts:
        attempt.join(60)
    assert [attempt.exitcode for attempt in attempts] == [0] * 4
    assert sorted(path.name for path in part.parent.iterdir()) == [part.name]
    assert {path.name: path.read_text() for path in part.iterdir()} == {
        f"{i}.txt": f"file {i}\n" for i in range(FILES)
    }
    killed = part.with_name(f".{part.name}.tmp-1-dead")
    killed.mkdir()
    _attempt(part, start, retried=True)
    assert killed.exists() and len(list(part.iterdir())) == FILES


def test_an_output_is_replaced_whole_or_kept(tmp_path):
    """A stage's own output: a failed attempt leaves the one before; a killed one's folders
    are cleared by the next, which first puts back an output it had moved aside."""
    out = tmp_path / "abstracts"
    with atomic_dir(out) as tmp:
        (tmp / "v1").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        (tmp / "v2").write_text("2")
        raise RuntimeError
    assert [path.name for path in tmp_path.iterdir()] == ["abstracts"]
    out.rename(tmp_path / ".abstracts.old-1-dead")  # killed between its two renames
    (tmp_path / ".abstracts.tmp-1-dead").mkdir()
    with pytest.raises(RuntimeError), atomic_dir(out):
        raise RuntimeError
    assert [path.name for path in tmp_path.iterdir()] == ["abstracts"]
    assert [path.name for path in out.iterdir()] == ["v1"]
    with atomic_dir(out) as tmp:
        (tmp / "v3").write_text("3")
    assert [path.name for path in out.iterdir()] == ["v3"]
    assert [path.name for path in tmp_path.iterdir()] == ["abstracts"]


def test_a_kept_state_is_read_back_only_as_it_was_written(tmp_path):
    path = tmp_path / "state.json"
    state = {"shards": {"a": {"rows": 25, "lengths": [[25, 3]]}}, "table": {"rows": 2}}
    assert read_state(path) == {}  # none kept yet
    write_state(path, state)
    assert read_state(path) == state
    text = path.read_text("utf-8")
    for damaged in (text.replace('"rows": 25', '"rows": 26'), text[:-9], "[]", '{"state": 1}'):
        path.write_text(damaged, "utf-8")
        assert read_state(path) == {}, damaged
