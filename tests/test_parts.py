"""A per-file stage's index names each part's content, so that the stages reading its
parts depend on the index alone."""

import pytest

from pipeline import parts
from tests.test_dvc_deps import STAGES


def _build(folder, data: dict[str, bytes]) -> list[dict]:
    """A run of a per-file stage making the parts `data` (name: one file's bytes) that do
    not exist yet; return its index."""
    parts.start(folder)
    for name, value in data.items():
        if not (folder / parts.PARTS / name).exists():
            (folder / parts.PARTS / name).mkdir()
            (folder / parts.PARTS / name / parts.OCCURRENCES).write_bytes(value)
    parts.finish(folder, [{"source": f"{name}.txt", "part": name} for name in data])
    return parts.index(folder)


def test_the_index_changes_exactly_when_a_parts_bytes_do(tmp_path, monkeypatch):
    folder = tmp_path / "parse"
    first = _build(folder, {"a": b"one", "b": b"two"})
    assert len({entry["content"] for entry in first}) == 2
    # The same code: a part made before keeps its recorded content, without reading it.
    monkeypatch.setattr(parts, "content", lambda part: pytest.fail(f"{part} read again"))
    assert _build(folder, {"a": b"one", "b": b"two"}) == first
    monkeypatch.undo()
    # Other code making the same bytes: the same index; other bytes: another content.
    monkeypatch.setattr(parts, "code_digest", lambda: "other code")
    assert _build(folder, {"a": b"one", "b": b"two"}) == first
    monkeypatch.setattr(parts, "code_digest", lambda: "more code")
    changed = _build(folder, {"a": b"one", "b": b"2"})
    assert changed[0] == first[0] and changed[1]["content"] != first[1]["content"]


def test_a_per_part_stages_output_is_its_index_for_dvc():
    """No stage depends on a folder of parts (parse's, normalize's, dedup's links), nor has
    one as an output: DVC would hash each of its files. The stage that writes the folder
    has its index as an output, and a stage that reads it depends on the index."""
    indexes = {"build/parse": "index.json", "build/normalize": "index.json"}
    indexes["build/dedup"] = "links.json"
    written = set()
    for name, stage in STAGES.items():
        outs = {made for out in stage.get("outs", []) for made in out}
        assert not (set(stage["deps"]) | outs) & set(indexes), name
        written |= outs
        reads = {folder for folder in indexes if f" {folder} " in f"{stage['cmd']} "}
        reads = {f"{folder}/{indexes[folder]}" for folder in reads} - outs
        assert reads <= set(stage["deps"]), name
    assert {f"{folder}/{index}" for folder, index in indexes.items()} <= written
