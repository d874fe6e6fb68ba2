"""An incremental build equals a clean one, byte for byte, and costs what changed: dumps
added one after another (one sorting before the others) and one removed."""

import shutil

from pipeline import synth
from tests.conftest import run_pipeline, tree


def test_incremental_release_equals_a_clean_one_and_keeps_unchanged_shards(
    tmp_path, params, acl_corpus
):
    originals = synth.read_abstracts(acl_corpus)[:1200]
    dumps = []  # each of its own originals, but the last two: copies across dumps
    for i in range(10):
        blocks = synth.blocks(originals[i * 100 : (i + 1) * 100], 130, 0.3, seed=i)
        [path] = synth.write_dumps(blocks, tmp_path / f"all{i}", 130, seed=i)
        dumps.append(path.rename(tmp_path / f"all{i}" / f"dump{i:02d}.txt"))
    dumps.append(dumps[0].rename(dumps[0].with_name("0-first.txt")))  # sorts before the others
    blocks = synth.blocks(originals[:1200:10], 130, 0.3, seed=11)
    dumps += synth.write_dumps(blocks, tmp_path / "all", 130, seed=11)
    order = [*dumps[1:8], dumps[10], dumps[8], dumps[9], dumps[11]]
    values = params.publish() | {"shard_max_bytes": 400_000, "shard_parts": 2, "row_group_rows": 40}
    raw = tmp_path / "raw"
    raw.mkdir()
    steps = [("add", path) for path in order[6:]] + [("remove", order[2])]
    for path in order[:6]:
        shutil.copy(path, raw)
    before, kept, written = {}, 0, 0
    for step, (what, path) in enumerate([("first", None), *steps]):
        if what == "add":
            shutil.copy(path, raw)
        elif what == "remove":
            (raw / path.name).unlink()
        release = run_pipeline(raw, tmp_path / "inc", params, publish_values=values)
        clean = run_pipeline(raw, tmp_path / f"clean{step}", params, publish_values=values)
        assert tree(release) == tree(clean), (step, what)
        data = {p: p.stat().st_ino for p in release.rglob("*.parquet")}
        if step:
            kept += len(set(data.values()) & set(before.values()))
            written += len(set(data.values()) - set(before.values()))
        before = data
    assert len(list((release / "data" / "occurrences").iterdir())) >= 4
    assert kept > written > 0  # most shards linked from the last release, a few written
    # a new version alone (the next release) writes no shard again: the files do not name it
    bumped = values | {"version": "9.0.0"}
    release = run_pipeline(raw, tmp_path / "inc", params, publish_values=bumped)
    assert {p: p.stat().st_ino for p in release.rglob("*.parquet")} == before
    clean = run_pipeline(raw, tmp_path / "clean-bumped", params, publish_values=bumped)
    assert tree(release) == tree(clean)
