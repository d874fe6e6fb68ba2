"""The HTML report and the `stats`/`show` commands on releases built in-process."""

import shutil
import threading

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.io import read_rows
from pipeline.release import checksums
from pipeline.report import shown, summary, table
from pipeline.stages import publish, report
from tests.conftest import SEEDS, run_pipeline

INJECTED = 'Abstract: We test <script>window.injected = 1</script> and <b>bold</b> & "quotes".\n'


@pytest.fixture(scope="module")
def release(tmp_path_factory, params):
    """A release of the seeds plus a dump whose abstract holds HTML."""
    root = tmp_path_factory.mktemp("report")
    shutil.copytree(SEEDS, root / "raw")
    (root / "raw" / "zz-html.txt").write_text(INJECTED, encoding="utf-8")
    dist = run_pipeline(root / "raw", root, params)
    counts = report.run(dist, root / "report.html", root / "plots", 1000)
    return dist, root / "report.html", counts


def test_report_holds_the_figures(release):
    _, page, counts = release
    html = page.read_text(encoding="utf-8")
    assert counts == {
        "abstracts": 25,
        "occurrences": 27,
        "rejects": 1,
        "sources": 4,
        "with duplicates": 1,
    }
    for text in (
        "<b>25</b>abstracts",
        "002_d20295f527052409.txt:1",
        "Shammie",
        "has_math",
        "outside_abstract",
        "Largest groups",
        "2724c26b5ad23ca0",
    ):
        assert text in html


def test_report_escapes_html_from_the_data(release):
    html = release[1].read_text(encoding="utf-8")
    assert "<script>window.injected" not in html and "<b>bold" not in html
    assert "\\u003cscript\\u003ewindow.injected = 1\\u003c/script\\u003e" in html
    assert html.count("<script") == 2  # the data island and the page's own script


def test_dvc_plots_data(release):
    plots = release[1].parent / "plots"
    assert (plots / "sources.csv").read_text().splitlines()[0] == "source,occurrences,rejects"
    lengths = (plots / "lengths.csv").read_text().splitlines()
    assert lengths[0] == "words,abstracts" and sum(int(r.split(",")[1]) for r in lengths[1:]) == 25


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_stats(release, params):
    result = invoke("stats", release[0])
    assert result.exit_code == 0
    assert f"version {params.publish()['version']}" in result.output
    assert "abstracts                        25" in result.output


def test_show(release):
    result = invoke("show", "2724c26b5ad23ca0", "--release", release[0])
    assert result.exit_code == 0
    assert "Metas Llama 4" in result.output and "occurrences (3)" in result.output
    assert "002_d20295f527052409.txt:2-2  bytes 8-1249  exact  utf-8" in result.output
    missing = invoke("show", "0000000000000000", "--release", release[0])
    assert missing.exit_code == 1 and "0000000000000000: no such abstract id" in missing.output


def test_a_missing_or_corrupt_release_is_one_clear_line(release, tmp_path):
    missing = invoke("stats", tmp_path / "nope")
    assert missing.exit_code == 1
    assert f"Error: {tmp_path}/nope: no such folder; give a release folder" in missing.output
    corrupt = tmp_path / "corrupt"
    shutil.copytree(release[0], corrupt)
    (corrupt / "data/default/train-00000-of-00001.parquet").write_bytes(b"not parquet")
    for command, problem in (("stats", "SHA-256 differs"), ("verify", "unreadable")):
        result = invoke(command, corrupt)
        assert result.exit_code == 1
        assert f"train-00000-of-00001.parquet: {problem}" in result.output
    assert "FAIL  checksums" in invoke("verify", corrupt).output
    (corrupt / "README.md").write_text("no front matter")
    (corrupt / "croissant.json").write_text("{")
    result = invoke("verify", corrupt)
    assert result.exit_code == 1 and "FAIL  metadata" in result.output


def test_publish_reads_the_last_report_while_it_writes_and_the_report_takes_it(
    release, tmp_path, params, monkeypatch
):
    """What the report takes from its last run does not depend on the release: publish
    reads it in a thread of its own while its workers write the configs, and the report
    uses what was read (not reading the page again) to make the same page."""
    dist, page, _ = release
    out, kept, plots = tmp_path / "report.html", tmp_path / "kept.json", tmp_path / "plots"
    report.run(dist, out, plots, 1000, kept)
    root, threads, left = dist.parent, [], []

    def read_last():
        threads.append(threading.get_ident())
        left.append(report.last(out, kept))

    inputs = {"dedup": root / "dedup", "normalized": root / "normalize", "parsed": root / "parse"}
    stats = publish.load_stats(root / "parse.json", root / "dedup.json")
    values = params.publish()
    publish.run(inputs, stats, "# Changelog\n", root / "again", values, 2, meanwhile=read_last)
    assert threads and threads[0] != threading.get_ident() and left[0][1]  # pieces kept
    monkeypatch.setattr(table, "kept", lambda *args: pytest.fail("the page read again"))
    report.run(root / "again", out, plots, 1000, kept, left[0])
    assert out.read_bytes() == page.read_bytes()


read, summarize = table._read, summary.summarize


def test_a_report_reads_only_the_shards_that_changed_and_keeps_its_table(
    release, tmp_path, monkeypatch
):
    dist, page, _ = release
    out, kept, plots = tmp_path / "report.html", tmp_path / "kept.json", tmp_path / "plots"
    report.run(dist, out, plots, 1000, kept)
    assert out.read_bytes() == page.read_bytes()  # the page depends on the rows only
    made, summarized = [], []
    monkeypatch.setattr(table, "_read", lambda *args: made.append(args) or read(*args))
    monkeypatch.setattr(
        summary, "summarize", lambda *args: summarized.append(args[2]) or summarize(*args)
    )
    texts = []
    monkeypatch.setattr(shown, "read_rows", lambda *args: texts.append(args) or read_rows(*args))
    report.run(dist, out, plots, 1000, kept)
    assert not made and not summarized and out.read_bytes() == page.read_bytes()
    assert not texts  # the largest groups' texts too are kept
    # Another limit, a shard's checksum changed (its summary is read again, its table's
    # column chunks are the same), a page whose data was edited, the kept state edited,
    # nothing kept: the table is read again where it may differ, the shards whose summary
    # is not kept are read, and the page is the one a report from nothing kept writes.
    sums = dist / checksums.MANIFEST
    shards = sorted(p.relative_to(dist).as_posix() for p in (dist / "data").rglob("*.parquet"))
    read_again = {
        "limit": (1, []),
        "shard": (0, ["data/default/"]),
        "page": (1, []),
        "state": (1, shards),
        "kept": (1, shards),
    }
    for change, (tables, summaries) in read_again.items():
        listed, state = sums.read_text("utf-8"), kept.read_text("utf-8")
        if change == "shard":
            at = listed.index("data/default/") - 66
            sums.write_text(listed[:at] + "0" * 64 + listed[at + 64 :], "utf-8")
        if change == "page":
            html = out.read_text("utf-8")
            at = html.index(table.DATA_OPEN) + len(table.DATA_OPEN) + 3
            out.write_text(html[:at] + "x" + html[at + 1 :], "utf-8")
        if change == "state":
            edited = state.replace('"rows": 25', '"rows": 26')  # summaries, and the table:
            kept.write_text(edited.replace('"start": ', '"start": 1', 1), "utf-8")
        limit = 10 if change == "limit" else 1000
        report.run(dist, out, plots, limit, None if change == "kept" else kept)
        sums.write_text(listed, "utf-8")
        assert len(made) == tables, change
        names = sorted(p.relative_to(dist).as_posix() for p in summarized)
        assert [n for n in names if not n.startswith(tuple(summaries))] == [], change
        assert len(names) == len([n for n in shards if n.startswith(tuple(summaries))]), change
        report.run(dist, tmp_path / "fresh.html", plots, limit)
        assert out.read_bytes() == (tmp_path / "fresh.html").read_bytes()
        report.run(dist, out, plots, 1000, kept)  # kept again for the release as it is
        made.clear(), summarized.clear()


def test_stats_and_show_trust_the_shards_publish_recorded_and_the_reports_summaries(
    release, tmp_path, monkeypatch
):
    """Given publish's record of the shards it wrote and the report's kept state, `stats`
    hashes no shard still as recorded and reads no shard it has a summary of; a shard
    changed since is hashed again, and found damaged."""
    dist, _, _ = release
    copy = tmp_path / "release"
    shutil.copytree(dist, copy)  # modification times kept
    written, kept = dist.parent / "publish.json", tmp_path / "kept.json"
    report.run(copy, tmp_path / "report.html", tmp_path / "plots", 1000, kept)
    plain = invoke("stats", copy, "--shards", tmp_path / "none", "--kept", tmp_path / "none")
    hashed, summarized = [], []
    sha256 = checksums.sha256
    monkeypatch.setattr(checksums, "sha256", lambda path: hashed.append(path) or sha256(path))
    monkeypatch.setattr(
        summary, "summarize", lambda *args: summarized.append(args[2]) or summarize(*args)
    )
    trusting = ["--shards", written, "--kept", kept]
    assert invoke("stats", copy, *trusting).output == plain.output
    assert not [p for p in hashed if p.suffix == ".parquet"] and not summarized
    shown = invoke("show", "2724c26b5ad23ca0", "--release", copy, "--shards", written)
    assert "Metas Llama 4" in shown.output
    assert not [p for p in hashed if p.suffix == ".parquet"]
    shard = next((copy / "data" / "default").iterdir())
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 1  # same size, a later modification time
    shard.write_bytes(bytes(data))
    damaged = invoke("stats", copy, *trusting)
    assert damaged.exit_code == 1 and shard in hashed
    assert "SHA-256 differs from SHA256SUMS (modified or corrupt)" in damaged.output
