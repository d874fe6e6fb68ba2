"""The published dataset as users meet it: load, pull, get, verify, diff, Croissant."""

import os
import shutil
import signal
import subprocess
import time

import datasets
import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline import synth
from pipeline.config import Params
from pipeline.io import read_rows
from pipeline.release.diff import next_version
from pipeline.release.layout import CONFIGS, shard
from pipeline.release.reader import read_config, shards
from tests.conftest import ACL, ROOT, SEEDS, copy_project, run_pipeline, set_version, sh, tree

pytestmark = pytest.mark.slow

VERSION = Params(ROOT / "params.yaml").publish()["version"]  # recorded as released
NEXT = next_version(VERSION, "minor")
MINOR_RIGHT = f"bump: minor from {VERSION}, so {NEXT} or above; labelled {NEXT}: right"


def release(copy, env):
    """The release steps: build, register, rebuild (to the same data), commit and tag."""
    sh("dvc", "repro", cwd=copy, env=env)
    sh("abstracts", "register", cwd=copy, env=env)
    sh("dvc", "repro", cwd=copy, env=env)
    sh("git", "add", "-A", cwd=copy, env=env)
    sh("git", "commit", "-qm", "release", "--allow-empty", cwd=copy, env=env)
    sh("git", "tag", f"v{VERSION}", cwd=copy, env=env)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A project copy built by `dvc repro`, registered, committed, tagged and pushed."""
    base = tmp_path_factory.mktemp("released")
    copy, env = copy_project(base / "project", base / "home")
    release(copy, env)
    sh("dvc", "push", cwd=copy, env=env)
    return copy, env


def test_a_registered_release_is_up_to_date_and_registers_nothing_more(released):
    copy, env = released
    assert "up to date" in sh("dvc", "status", cwd=copy, env=env).stdout
    ids = {line.split("\t")[1] for line in (copy / "registry/ids.tsv").read_text().splitlines()}
    assert ids == set(read_config(copy / "dist/abstracts", "default")["id"].to_pylist())
    done = sh("abstracts", "register", cwd=copy, env=env)
    assert " 0 new -> registry/ids.tsv" in done.stderr


def test_a_complete_copy_keeps_the_published_id_and_diff_says_changed(project):
    """A user's story: the last release holds a truncated abstract; a dump with its complete
    text arrives; the next build shows the complete text under the same id, a minor bump."""
    copy, env = project
    release(copy, env)
    truncated = next(
        line
        for line in (copy / "raw/000_f4866acc28c20d3f.txt").read_text().splitlines()
        if line.endswith("publicly avail")
    )
    (copy / "raw" / "new.txt").write_text(f"{truncated}able.\n")
    set_version(copy, NEXT)
    sh("dvc", "repro", cwd=copy, env=env)
    (improved,) = [
        a["id"]
        for a in read_config(copy / "dist/abstracts", "default").to_pylist()
        if a["text"].endswith("We've also made the code publicly available.")
    ]
    done = sh("abstracts", "diff", cwd=copy, env=env)  # against the last release
    assert f"added: 0\nremoved: 0\nchanged: 1\n  {improved}\n" in done.stdout
    assert MINOR_RIGHT in done.stdout


def card(folder):
    return yaml.safe_load((folder / "README.md").read_text().split("---\n", 2)[1])


def test_all_configs_load_plain_and_streaming(released):
    dist = released[0] / "dist" / "abstracts"
    infos = {info["config_name"]: info for info in card(dist)["dataset_info"]}
    assert set(infos) == set(CONFIGS)
    for config in CONFIGS:
        plain = datasets.load_dataset(str(dist), config)["train"]
        stream = datasets.load_dataset(str(dist), config, streaming=True)["train"]
        expected = datasets.Features._from_yaml_list(infos[config]["features"])
        assert plain.features == expected == stream.features
        assert plain.num_rows == infos[config]["splits"][0]["num_examples"]
        assert sum(1 for _ in stream) == plain.num_rows
    default = datasets.load_dataset(str(dist))["train"]
    assert default.num_rows == 24 and len(set(default["id"])) == 24


def test_no_python_file_and_verify_passes(released):
    copy, env = released
    assert not list((copy / "dist").rglob("*.py"))
    out = sh("abstracts", "verify", "dist/abstracts", cwd=copy, env=env).stdout
    assert out.count("ok") == 5 and "verified" in out


def test_croissant_validates_without_warnings(released):
    dataset = mlc.Dataset(jsonld=str(released[0] / "dist/abstracts/croissant.json"))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings
    assert len(list(dataset.records("default"))) == 24


def test_two_builds_are_byte_identical(released):
    copy, env = released
    before = tree(copy / "dist") | tree(copy / "build")
    sh("dvc", "repro", "--force", cwd=copy, env=env)
    assert tree(copy / "dist") | tree(copy / "build") == before


def test_push_then_pull_in_a_fresh_clone_gives_the_same_bytes(released, tmp_path):
    copy, env = released
    sh("git", "clone", "-q", str(copy), str(tmp_path / "clone"), cwd=tmp_path, env=env)
    sh("dvc", "pull", cwd=tmp_path / "clone", env=env)
    assert tree(tmp_path / "clone" / "dist") == tree(copy / "dist")


def test_dvc_get_at_a_tag(released, tmp_path):
    copy, env = released
    out = tmp_path / f"abstracts-{VERSION}"
    sh(
        "dvc",
        "get",
        str(copy),
        "dist/abstracts",
        "--rev",
        f"v{VERSION}",
        "-o",
        str(out),
        cwd=tmp_path,
        env=env,
    )
    assert tree(out) == tree(copy / "dist/abstracts")
    assert datasets.load_dataset(str(out))["train"].num_rows == 24


def test_a_tampered_parquet_fails_verify(released, tmp_path):
    copy, env = released
    shutil.copytree(copy / "dist/abstracts", tmp_path / "copy")
    shard = tmp_path / "copy/data/default/train-00000-of-00001.parquet"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    done = sh("abstracts", "verify", str(tmp_path / "copy"), cwd=tmp_path, env=env, check=False)
    assert done.returncode == 1
    assert "FAIL  checksums" in done.stdout
    assert "data/default/train-00000-of-00001.parquet: SHA-256 differs" in done.stdout
    assert "verification failed" in done.stderr


def test_a_publish_killed_midway_leaves_the_old_release(released):
    copy, env = released
    before = tree(copy / "dist/abstracts")
    process = subprocess.Popen(["abstracts", "publish"], cwd=copy, env=env)
    deadline = time.monotonic() + 60

    def partial():
        return list((copy / "dist").glob(f".abstracts.tmp-{process.pid}-*"))

    while not partial() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert partial(), "publish ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert partial() and tree(copy / "dist/abstracts") == before
    sh("abstracts", "verify", cwd=copy, env=env)
    assert datasets.load_dataset(str(copy / "dist/abstracts"))["train"].num_rows == 24
    sh("abstracts", "publish", cwd=copy, env=env)  # the next run cleans up
    assert not list((copy / "dist").glob(".abstracts.*")), "a killed run's folder is left"
    assert tree(copy / "dist/abstracts") == before


def test_diff_reports_exactly_the_new_abstracts(project, tmp_path):
    """Against the last release, found in the history of releases and fetched at the commit
    that recorded it; any failure is one `Error:` line."""
    copy, env = project
    history = copy / "registry/releases.tsv"  # the last release alone: the first recorded
    header, *released = history.read_text().splitlines(keepends=True)
    history.write_text(header + released[-1])
    sh("dvc", "repro", cwd=copy, env=env)
    first = sh("abstracts", "diff", cwd=copy, env=env).stdout
    assert "the first release recorded in registry/releases.tsv" in first
    old = datasets.load_dataset(str(copy / "dist/abstracts"))["train"]
    shutil.copy(ACL / "2018.lilt.txt", copy / "raw" / "new.txt")
    set_version(copy, NEXT)
    sh("dvc", "repro", cwd=copy, env=env)
    new = datasets.load_dataset(str(copy / "dist/abstracts"), download_mode="force_redownload")
    added = sorted(set(new["train"]["id"]) - set(old["id"]))
    assert len(added) == 1
    for old_release in ([], [VERSION], ["HEAD"]):
        done = sh("abstracts", "diff", *old_release, cwd=copy, env=env)
        assert f"added: 1\n  {added[0]}\nremoved: 0\nchanged: 0\nrecounted: 0\n" in done.stdout
        assert MINOR_RIGHT in done.stdout

    patch = next_version(VERSION, "patch")  # above the last release, but too low a bump
    set_version(copy, patch)
    sh("dvc", "repro", cwd=copy, env=env)
    done = sh("abstracts", "diff", "--show", "0", cwd=copy, env=env, check=False)
    assert "added: 1\n  ... and 1 more\n" in done.stdout
    assert f"labelled {patch}: too low\n" in done.stdout and done.returncode == 1
    assert f"labelled {patch}, below what the change needs: set publish.version to {NEXT}" in (
        done.stderr
    )

    nothing = sh("git", "hash-object", "-t", "tree", "/dev/null", cwd=copy, env=env).stdout
    bare = sh("git", "commit-tree", nothing.strip(), "-m", "no release", cwd=copy, env=env)
    for wrong, message in (
        (str(tmp_path / "missing"), "missing: neither a folder nor a revision with a release"),
        (bare.stdout.strip(), "no such folder, and no dist/abstracts at that revision"),
        ("9.9.9", "9.9.9: no such release in registry/releases.tsv, and no such folder"),
    ):
        done = sh("abstracts", "diff", wrong, cwd=copy, env=env, check=False)
        assert done.returncode == 1 and done.stdout == "", done.stderr
        assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
        assert message in done.stderr


def test_diff_compares_two_release_folders_anywhere(released, tmp_path):
    copy, env = released
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(copy / "dist/abstracts", old)
    shutil.copytree(copy / "dist/abstracts", new)
    done = sh("abstracts", "diff", str(old), str(new), cwd=tmp_path, env=env)
    assert "added: 0\nremoved: 0\nchanged: 0\nrecounted: 0\nbump: none" in done.stdout
    shutil.copytree(new, tmp_path / "dist/abstracts")
    done = sh("abstracts", "diff", cwd=tmp_path, env=env, check=False)
    assert done.returncode == 1
    assert "Error: registry/releases.tsv: no history of releases here" in done.stderr


def test_an_empty_config_is_declared_and_streams_no_rows(tmp_path, params):
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted(SEEDS.iterdir())[:2]:  # the third holds the only reject
        shutil.copy(seed, raw)
    dist = run_pipeline(raw, tmp_path, params)
    infos = {info["config_name"]: info for info in card(dist)["dataset_info"]}
    assert infos["rejects"]["splits"][0]["num_examples"] == 0
    rejects = datasets.load_dataset(str(dist), "rejects", streaming=True)["train"]
    assert list(rejects) == [] and "reason" in rejects.features
    with pytest.raises(ValueError, match='Instruction "train" corresponds to no data'):
        datasets.load_dataset(str(dist), "rejects")
    assert "This release has no rows in `rejects`" in (dist / "README.md").read_text()


def test_a_release_in_many_shards_holds_the_same_rows(tmp_path, params, acl_corpus):
    """And the same report, which reads the release a shard at a time."""
    from pipeline.stages import publish, report

    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    shutil.copy(acl_corpus / "2017.lilt.txt", raw)
    originals = synth.read_abstracts(acl_corpus)[:150]  # many groups of 2, tied on size
    synth.write_dumps(synth.blocks(originals, 200, 0.5, seed=3), raw, per_dump=100, seed=3)
    dist = run_pipeline(raw, tmp_path, params)
    whole = {config: read_config(dist, config) for config in CONFIGS}
    size = min(whole[c].nbytes for c in ("default", "occurrences")) // 4
    meta = params.publish() | {"shard_max_bytes": size, "row_group_rows": 5}
    inputs = {"dedup": tmp_path / "dedup", "normalized": tmp_path / "normalize"}
    stats = publish.load_stats(tmp_path / "parse.json", tmp_path / "dedup.json")
    sharded = tmp_path / "sharded"
    publish.run(inputs | {"parsed": tmp_path / "parse"}, stats, "# Changelog\n", sharded, meta, 2)
    assert {config: read_config(sharded, config) for config in CONFIGS} == whole
    texts = whole["default"].column("text").to_pylist()
    rows = [0, 6, 7, len(texts) - 1]
    assert read_rows(shards(sharded, "default"), "text", rows) == {i: texts[i] for i in rows}
    for config in ("default", "occurrences"):
        files = sorted((sharded / "data" / config).iterdir())
        assert len(files) >= 4
        assert [s.relative_to(sharded).as_posix() for s in files] == [
            shard(config, i, len(files)) for i in range(len(files))
        ]
        groups = [pq.ParquetFile(s).metadata for s in files]
        sizes = [[m.row_group(g).num_rows for g in range(m.num_row_groups)] for m in groups]
        sizes = [n for s in sizes for n in s]
        assert all(0 < n <= 5 for n in sizes)  # row groups of at most row_group_rows
        assert max(pq.read_table(s).nbytes for s in files) <= meta["shard_max_bytes"]
        loaded = datasets.load_dataset(str(sharded), config)["train"]
        assert loaded.num_rows == sum(sizes)
    pages = {
        folder.name: report.run(folder, tmp_path / f"{folder.name}.html", tmp_path / "plots", 80)
        for folder in (dist, sharded)
    }
    assert pages["sharded"] == pages[dist.name] and pages["sharded"]["with duplicates"] > 10
    assert (tmp_path / "sharded.html").read_text() == (tmp_path / f"{dist.name}.html").read_text()


def test_get_fetches_a_released_version_by_its_number(released, tmp_path):
    copy, env = released
    out = tmp_path / "got"
    sh("abstracts", "get", VERSION, "--out", str(out), cwd=copy, env=env)
    assert tree(out) == tree(copy / "dist/abstracts")
    done = sh("abstracts", "get", VERSION, "--out", str(out), cwd=copy, env=env, check=False)
    assert done.returncode == 1 and f"Error: {out}: already exists" in done.stderr


def test_get_says_when_a_release_is_in_neither_cache_nor_remote(released, tmp_path):
    copy, env = released
    clone = tmp_path / "clone"
    sh("git", "clone", "-q", str(copy), str(clone), cwd=tmp_path, env=env)
    elsewhere = env | {"HOME": str(tmp_path / "home")}  # another machine: another remote
    done = sh("abstracts", "get", VERSION, cwd=clone, env=elsewhere, check=False)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "its dist/abstracts is in neither the DVC cache nor the remote" in done.stderr
