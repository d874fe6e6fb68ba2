"""The parse stage on the seeds (golden), the real ACL corpus, and awkward raw folders."""

import gzip
import json
import os
import re
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline import parts, storage
from pipeline.core import chunks, segment
from pipeline.core.coverage import CoverageError
from pipeline.release.reader import read_config
from pipeline.stages import parse as stage
from schemas import ParsedOccurrences, Rejects
from schemas.derive import TableError, arrow_schema
from tests.conftest import SEEDS, read_parts, run_pipeline, tree


def run(raw, tmp_path, parse_settings):
    rules, ratio, _ = parse_settings
    out, metrics = tmp_path / "parse", tmp_path / "metrics.json"
    summary = stage.run(raw, out, metrics, rules, ratio, workers=2)
    assert json.loads(metrics.read_text()) | {"parsed": summary["parsed"]} == summary
    return (
        read_parts(out, parts.OCCURRENCES, arrow_schema(ParsedOccurrences)),
        read_parts(out, parts.REJECTS, arrow_schema(Rejects)),
        summary,
    )


def assert_spans_match_raw(raw, table, column):
    for row in table.to_pylist():
        data = (raw / row["source"]).read_bytes()
        span = data[row["byte_start"] : row["byte_end"]]
        assert span.decode(row["encoding"] or "latin-1") == (row[column] or span.decode("latin-1"))
        assert data.count(b"\n", 0, row["byte_start"]) + 1 == row["line_start"]


def test_seeds_golden(tmp_path, parse_settings):
    occurrences, rejects, summary = run(SEEDS, tmp_path, parse_settings)
    assert occurrences.schema == arrow_schema(ParsedOccurrences)
    assert rejects.schema == arrow_schema(Rejects)
    assert occurrences.num_rows == 26 and summary["occurrences"] == 26
    assert rejects.to_pylist() == [
        {
            "source": "002_d20295f527052409.txt",
            "byte_start": 0,
            "byte_end": 7,
            "line_start": 1,
            "line_end": 1,
            "reason": "outside_abstract",
            "text": "Shammie",
            "encoding": "utf-8",
        }
    ]
    llama = [r["source"] for r in occurrences.to_pylist() if "Metas Llama 4" in r["text_raw"]]
    assert llama == sorted(p.name for p in SEEDS.iterdir())
    assert_spans_match_raw(SEEDS, occurrences, "text_raw")
    assert Counter(occurrences["source"].to_pylist())["001_1f7b1064df59799a.txt"] == 10


def test_acl_corpus_every_marked_block_accounted_for(tmp_path, parse_settings, acl_corpus):
    occurrences, rejects, summary = run(acl_corpus, tmp_path, parse_settings)
    blocks = Counter(
        (path.name, match.group().rstrip())
        for path in acl_corpus.iterdir()
        for match in re.finditer(r"(?m)^Abstract:.*$", path.read_text(encoding="utf-8"))
    )
    assert blocks.total() == summary["occurrences"] == occurrences.num_rows == 18672
    assert Counter((r["source"], r["text_raw"]) for r in occurrences.to_pylist()) == blocks
    assert rejects.num_rows == 0 and summary["files"] == 176


def test_awkward_raw_folder(tmp_path, parse_settings):
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (raw / "sub" / "legacy.txt").write_bytes("\ufeffAbstract: naïve.\r\n".encode("utf-8"))
    (raw / "sub" / "old.txt").write_bytes("Abstract: naïve.\r\n\r\nDownload PDF".encode("cp1252"))
    occurrences, rejects, summary = run(raw, tmp_path, parse_settings)
    assert summary["files"] == 4 and summary["empty_files"] == 1
    assert summary["not_text_files"] == 1
    assert [(r["source"], r["encoding"]) for r in occurrences.to_pylist()] == [
        ("sub/legacy.txt", "utf-8"),
        ("sub/old.txt", "cp1252"),
    ]
    assert [(r["source"], r["reason"], r["text"]) for r in rejects.to_pylist()] == [
        ("image.png", "not_text", None),
        ("sub/old.txt", "page_chrome", "Download PDF"),
    ]
    assert summary["rejects_by_reason"]["not_text"] == 1
    assert_spans_match_raw(raw, occurrences, "text_raw")
    assert_spans_match_raw(raw, rejects, "text")


def test_wild_dumps_are_counted_by_encoding_and_compression(tmp_path, parse_settings):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = "Abstract: We study speech.\r\rAbstract: A second one.\r"
    (raw / "mac.txt").write_bytes(text.encode())
    (raw / "windows.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    (raw / "packed.txt.gz").write_bytes(gzip.compress(text.encode("cp1252") + b"\xe9t\xe9."))
    (raw / "cut.txt.gz").write_bytes(gzip.compress(text.encode())[:20])
    occurrences, rejects, summary = run(raw, tmp_path, parse_settings)
    assert [(r["source"], r["line_start"]) for r in occurrences.to_pylist()] == [
        ("mac.txt", 1), ("mac.txt", 3), ("packed.txt.gz", 1), ("packed.txt.gz", 3),
        ("windows.txt", 1), ("windows.txt", 3),
    ]  # fmt: skip
    assert [(r["source"], r["reason"]) for r in rejects.to_pylist()] == [
        ("cut.txt.gz", "bad_compression")
    ]
    assert summary["files_by_encoding"] == {"cp1252": 1, "utf-16-le": 1, "utf-8": 1}
    assert summary["compressed_files"] == {"gzip": 2}


def test_one_placeholder_under_different_papers_is_never_published_nor_merged(tmp_path, params):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(
        "Abstract: We align speech and text with one shared encoder.\n\n"
        "Abstract: No abstract available.\n",
        encoding="utf-8",
    )
    (raw / "b.txt").write_text(
        "Abstract:\nNo abstract available.\n\nDownload PDF\n\n"
        "Abstract: We parse scanned tables with a graph model.\n",
        encoding="utf-8",
    )
    release = run_pipeline(raw, tmp_path / "out", params)
    abstracts = read_config(release, "default").to_pylist()
    assert sorted((a["text"], a["n_occurrences"]) for a in abstracts) == [
        ("We align speech and text with one shared encoder.", 1),
        ("We parse scanned tables with a graph model.", 1),
    ]
    assert read_config(release, "occurrences").num_rows == 2
    rejects = read_config(release, "rejects").to_pylist()
    assert [(r["source"], r["line_start"], r["reason"], r["text"]) for r in rejects] == [
        ("a.txt", 3, "placeholder", "Abstract: No abstract available."),
        ("b.txt", 1, "placeholder", "Abstract:\nNo abstract available."),
        ("b.txt", 4, "page_chrome", "Download PDF"),
    ]
    metrics = json.loads((tmp_path / "out" / "parse.json").read_text())
    assert metrics["rejects_by_reason"]["placeholder"] == 2


def test_missing_raw_folder_is_a_clear_error(tmp_path, parse_settings):
    with pytest.raises(stage.ParseError, match="nope: no such folder"):
        run(tmp_path / "nope", tmp_path, parse_settings)


def test_a_folder_named_by_uri_parses_as_its_path(tmp_path, parse_settings):
    """Dumps are read through pyarrow.fs: a `file://` URI (as s3:// or gs:// would be)
    gives the parts, rejects and counts of the path, and names its files by the URI."""
    by_path = run(SEEDS, tmp_path / "path", parse_settings)
    by_uri = run(f"file://{SEEDS}", tmp_path / "uri", parse_settings)
    assert by_uri[0].equals(by_path[0]) and by_uri[1].equals(by_path[1])
    assert by_uri[2] == by_path[2]
    assert tree(tmp_path / "uri" / "parse") == tree(tmp_path / "path" / "parse")
    [dump] = [file for file in storage.listing(f"file://{SEEDS}/") if file.source.startswith("000")]
    assert dump.name == f"file://{SEEDS}/000_f4866acc28c20d3f.txt"
    assert dump.size == (SEEDS / dump.source).stat().st_size


def test_a_symlinked_folder_is_not_walked_into(tmp_path):
    """As before pyarrow.fs listed the dumps: a symlink to a folder (here a loop) is not
    followed; a symlink to a file is a file."""
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    (raw / "loop").symlink_to(raw, target_is_directory=True)
    (raw / "linked.txt").symlink_to(raw / "000_f4866acc28c20d3f.txt")
    listed = [file.source for file in storage.listing(raw)]
    assert listed == sorted([p.name for p in SEEDS.iterdir()] + ["linked.txt"])


@pytest.mark.parametrize(
    "uri, message",
    [
        ("file:///no/such/folder", "file:///no/such/folder: no such folder; put the raw dumps in"),
        ("nosuch://bucket/dumps", "nosuch://bucket/dumps: not a folder pyarrow can read"),
    ],
)
def test_a_bad_uri_is_a_clear_error(tmp_path, parse_settings, uri, message):
    with pytest.raises(stage.ParseError, match=re.escape(message)):
        run(uri, tmp_path, parse_settings)


def test_a_failed_run_leaves_the_previous_output(tmp_path, parse_settings, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    run(raw, tmp_path, parse_settings)
    before = tree(tmp_path / "parse")
    with (raw / "000_f4866acc28c20d3f.txt").open("a") as dump:
        dump.write("Abstract: one more.\n")

    def broken(*args):
        raise CoverageError("line 3: byte 40 is in no span")

    monkeypatch.setattr(chunks, "parse_dump", broken)
    with pytest.raises(stage.ParseError, match=r"000_f4866acc28c20d3f.txt:line 3: byte 40"):
        run(raw, tmp_path, parse_settings)
    assert tree(tmp_path / "parse") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "metrics.json",
        "parse",
        "parse.code",
        "parse.files.json",
        "raw",
    ]


def test_only_new_or_changed_files_are_parsed_and_the_result_equals_a_clean_run(
    tmp_path, parse_settings, monkeypatch
):
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    run(raw, tmp_path / "incremental", parse_settings)
    before = {
        p.name: p.stat().st_mtime_ns for p in (tmp_path / "incremental/parse/parts").iterdir()
    }
    (raw / "new.txt").write_text("Abstract: A new one.\n", encoding="utf-8")
    with (raw / "000_f4866acc28c20d3f.txt").open("a") as dump:
        dump.write("Abstract: one more.\n")
    (raw / "sub").mkdir()
    (raw / "002_d20295f527052409.txt").rename(raw / "sub" / "moved.txt")
    incremental = run(raw, tmp_path / "incremental", parse_settings)
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "incremental/parse/parts").iterdir()}
    # The unchanged dump's part is kept as it was; the three new or changed ones are new.
    assert sorted(after.items() - before.items()) == sorted(
        (name, after[name]) for name in after.keys() - before.keys()
    )
    assert len(after.keys() - before.keys()) == 3 and len(after.keys() & before.keys()) == 1
    clean = run(raw, tmp_path / "clean", parse_settings)
    assert incremental[2] | {"parsed": 4} == clean[2]
    assert incremental[2]["parsed"] == 3
    assert tree(tmp_path / "incremental/parse") == tree(tmp_path / "clean/parse")


def test_two_runs_are_byte_identical(tmp_path, parse_settings):
    first = run(SEEDS, tmp_path / "a", parse_settings)
    second = run(SEEDS, tmp_path / "b", parse_settings)
    assert first[2] == second[2]
    assert tree(tmp_path / "a/parse") == tree(tmp_path / "b/parse")


def test_other_code_redoes_every_part_with_the_same_result(tmp_path, parse_settings, monkeypatch):
    run(SEEDS, tmp_path, parse_settings)
    folder = tmp_path / "parse"
    before = tree(folder), {p.name: p.stat().st_mtime_ns for p in (folder / "parts").iterdir()}
    monkeypatch.setattr(parts, "code_digest", lambda: "other code")
    run(SEEDS, tmp_path, parse_settings)
    after = {p.name: p.stat().st_mtime_ns for p in (folder / "parts").iterdir()}
    assert tree(folder) == before[0]
    assert after.keys() == before[1].keys()
    assert all(after[name] != before[1][name] for name in after)
    assert (tmp_path / "parse.code").read_text() == "other code"


def test_a_file_as_it_was_last_run_is_not_read_again(tmp_path, parse_settings, monkeypatch):
    """Size, modification time and inode unchanged: the part is reused without reading the
    file; any of them changed: the file is read (and its part reused if its bytes are)."""
    rules, ratio, _ = parse_settings
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    stage.run(raw, tmp_path / "parse", tmp_path / "metrics.json", rules, ratio, workers=1)
    before = tree(tmp_path / "parse")
    read, opened = [], storage.opened
    monkeypatch.setattr(storage, "opened", lambda file: read.append(file.source) or opened(file))
    touched = raw / "001_1f7b1064df59799a.txt"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 1))
    summary = stage.run(raw, tmp_path / "parse", tmp_path / "metrics.json", rules, ratio, workers=1)
    assert read == [touched.name] and summary["parsed"] == 0
    assert tree(tmp_path / "parse") == before


def test_what_normalize_loads_is_loaded_beside_the_workers_only_if_a_file_is_parsed(
    tmp_path, parse_settings
):
    """A run with a new or changed file runs `meanwhile` (normalize's compiled functions and
    word list, loaded while the workers parse); a run that parses nothing does not load
    them for nothing (normalize loads them itself if it has work)."""
    rules, ratio, _ = parse_settings
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    loads = []

    def parsed() -> int:  # two workers: one process maps here and loads nothing meanwhile
        args = (raw, tmp_path / "parse", tmp_path / "metrics.json", rules, ratio, 2)
        return stage.run(*args, meanwhile=lambda: loads.append(True))["parsed"]

    assert (parsed(), len(loads)) == (3, 1)
    assert (parsed(), len(loads)) == (0, 1)
    touched = raw / "001_1f7b1064df59799a.txt"  # same bytes, another time: read, not parsed
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 1))
    assert (parsed(), len(loads)) == (0, 2)
    (raw / "new.txt").write_bytes((raw / "001_1f7b1064df59799a.txt").read_bytes() + b"\n")
    assert (parsed(), len(loads)) == (1, 3)


def test_labelled_dumps_match_their_copies_and_publish_their_fields(tmp_path, params):
    text = (
        "We model the alpha-helix pull of conformational epitopes with a graph network "
        "trained on crystal structures, and release the code and the data."
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(
        f"Title: Helix pull\nAuthors: A. Author\nAbstract: {text}\nKeywords: helix\n"
        "Download PDF  Cite this paper\n\n<<<< page 2 of 2 >>>>\n\n"
        "Title: Épitopes conformationnels\nAuthors: Renée Lefèvre\n"
        f"Abstract: {text[:90]}\nDOI: 10.1/x\n",
        encoding="utf-8",
    )
    (raw / "b.txt").write_text(f"Abstract: {text}\n\n© 2021 The Authors\n", encoding="utf-8")
    release = run_pipeline(raw, tmp_path / "out", params)
    [abstract] = read_config(release, "default").to_pylist()
    assert (abstract["text"], abstract["n_occurrences"], abstract["title"]) == (
        text,
        3,
        "Helix pull",
    )
    occurrences = read_config(release, "occurrences").to_pylist()
    assert [(o["source"], o["match"], o["title"], o["doi"]) for o in occurrences] == [
        ("a.txt", "exact", "Helix pull", None),
        ("a.txt", "truncated", "Épitopes conformationnels", "10.1/x"),
        ("b.txt", "exact", None, None),
    ]
    datasets_reasons = [r["reason"] for r in read_config(release, "rejects").to_pylist()]
    assert datasets_reasons.count("field") == 6 and datasets_reasons.count("page_chrome") == 3


def test_fields_without_a_label_configured_are_null_columns(tmp_path, parse_settings):
    """`parse.fields` may name some of the field columns only: the others are still
    columns of `occurrences`, all null, and their lines are text."""
    rules, ratio, workers = parse_settings
    only_title = replace(rules, fields=(("title", ("title",)),))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("Title: T\nAbstract: A text.\nAuthors: A. Author\n")
    stage.run(raw, tmp_path / "parse", tmp_path / "m.json", only_title, ratio, workers)
    schema = arrow_schema(ParsedOccurrences)
    [row] = read_parts(tmp_path / "parse", parts.OCCURRENCES, schema).to_pylist()
    assert (row["title"], row["authors"], row["doi"]) == ("T", None, None)
    assert row["text_raw"] == "Abstract: A text.\nAuthors: A. Author"


def big_raw_folder(raw: Path) -> Path:
    """The seeds as one dump with a preamble, fields and every line end, and dumps that are
    not cut: small, compressed, UTF-16."""
    raw.mkdir()
    seeds = b"\n".join(p.read_bytes().strip() for p in sorted(SEEDS.iterdir()))
    dump = b"Home | Papers\r\n\r\n" + seeds.replace(b".\n\nAbstract", b".\r\rAbstract")
    dump += b"\r\n\r\nTitle: Last\nAbstract: The last one.\n"
    (raw / "big.txt").write_bytes(dump)
    (raw / "small.txt").write_bytes(b"Abstract: A small one.\n")
    (raw / "packed.txt.gz").write_bytes(gzip.compress(dump))
    (raw / "windows.txt").write_bytes(b"\xff\xfe" + dump.decode().encode("utf-16-le"))
    return raw


def outputs(raw: Path, tmp_path: Path, parse_settings, sizes) -> list:
    """The parse stage's output folder and summary for each chunk size."""
    rules, ratio, _ = parse_settings
    found = []
    for chunk_bytes in sizes:
        out = tmp_path / str(chunk_bytes)
        summary = stage.run(raw, out / "parse", out / "parse.json", rules, ratio, 2, chunk_bytes)
        found.append((tree(out), summary))
    return found


def test_the_output_is_the_same_whatever_the_chunk_size(tmp_path, parse_settings):
    rules, ratio, _ = parse_settings
    raw = big_raw_folder(tmp_path / "raw")
    assert len(chunks.plan((raw / "big.txt").read_bytes(), 1024, rules, ratio)) > 10
    found = outputs(raw, tmp_path, parse_settings, (chunks.CHUNK_BYTES, 1024, 3000, 10_000))
    assert all(output == found[0] for output in found[1:])
    assert found[0][1]["occurrences"] == 3 * 27 + 1
    kept = read_parts(tmp_path / "1024/parse", parts.OCCURRENCES, arrow_schema(ParsedOccurrences))
    sources = Counter(kept["source"].to_pylist())
    assert sources["windows.txt"] == sources["big.txt"]


def test_a_file_in_chunks_is_written_as_if_whole_pages_too(tmp_path, parse_settings):
    """Megabytes of text in a part: its Parquet pages do not move with the chunks."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "many.txt").write_bytes(b"\n".join(p.read_bytes() for p in SEEDS.iterdir()) * 60)
    first, cut = outputs(raw, tmp_path, parse_settings, (chunks.CHUNK_BYTES, 200_000))
    assert first == cut and first[1]["occurrences"] > 1000


def test_the_progress_bar_counts_bytes_so_a_big_file_shows_progress(
    tmp_path, parse_settings, monkeypatch
):
    rules, ratio, _ = parse_settings
    raw = big_raw_folder(tmp_path / "raw")
    bars = []

    class Bar(list):
        def __init__(self, **options):
            self.options = options
            bars.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *_):
            pass

        update = list.append

    monkeypatch.setattr(stage, "progress", Bar)
    stage.run(raw, tmp_path / "parse", tmp_path / "parse.json", rules, ratio, 1, 1024)
    [bar] = bars
    sizes = {p.name: p.stat().st_size for p in raw.iterdir()}
    assert bar.options["total"] == sum(bar) == sum(sizes.values())
    assert bar[-3:] == [sizes[name] for name in ("packed.txt.gz", "small.txt", "windows.txt")]
    assert len(bar) > 10  # big.txt, a chunk at a time


def test_the_metrics_do_not_grow_with_the_files(tmp_path, parse_settings):
    """A metric per file would make `dvc metrics show` a column per file: the report plots
    per-file counts instead."""
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    few = run(raw, tmp_path / "few", parse_settings)[2]
    for seed in SEEDS.iterdir():
        shutil.copy(seed, raw / f"copy-{seed.name}")
    many = run(raw, tmp_path / "many", parse_settings)[2]
    assert many["files"] == 2 * few["files"] and set(many) == set(few)
    assert all(many[key].keys() == few[key].keys() for key in few if isinstance(few[key], dict))


def test_rejects_that_break_their_schema_fail_the_run_naming_file_and_line(
    tmp_path, parse_settings, monkeypatch
):
    """Rejects are validated once for the whole run, before the index moves on."""
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    run(raw, tmp_path, parse_settings)
    before = parts.index(tmp_path / "parse")
    with (raw / "000_f4866acc28c20d3f.txt").open("a") as dump:
        dump.write("\n\nAbstract: one more.\n\n* * *\n")
    monkeypatch.setattr(segment.Rules, "noise", lambda self, paragraph: "no_such_reason")
    with pytest.raises(TableError, match=r"000_f4866acc28c20d3f.txt:\d+: isin.* on reason"):
        run(raw, tmp_path, parse_settings)
    assert parts.index(tmp_path / "parse") == before


def test_small_files_are_parsed_and_validated_in_groups_to_the_same_parts(
    tmp_path, parse_settings, acl_corpus, monkeypatch
):
    """A task parses a group of small files (or the last chunk of a big one and the files
    after it) and validates their occurrences at once; the parts are the same whatever
    the groups and chunks."""
    rules, ratio, _ = parse_settings
    raw = big_raw_folder(tmp_path / "raw")
    for dump in sorted(acl_corpus.glob("*.txt"))[:8]:
        shutil.copy(dump, raw)
    found, tables = [], []
    check = stage.validate
    monkeypatch.setattr(stage, "validate", lambda model, t: tables.append(t) or check(model, t))
    for workers, chunk_bytes in ((1, chunks.CHUNK_BYTES), (4, chunks.CHUNK_BYTES), (1, 3000)):
        tables.clear()
        out = tmp_path / f"{workers}-{chunk_bytes}"
        summary = stage.run(
            raw, out / "parse", out / "parse.json", rules, ratio, workers, chunk_bytes
        )
        found.append((tree(out), summary))
        if (workers, chunk_bytes) == (1, chunks.CHUNK_BYTES):  # validated in this process
            occurrences = [t for t in tables if t.schema == arrow_schema(ParsedOccurrences)]
    assert all(output == found[0] for output in found[1:])
    assert sum(t.num_rows for t in occurrences) == found[0][1]["occurrences"]
    assert 4 <= len(occurrences) <= 8 < len(list(raw.iterdir()))


def test_a_file_that_cannot_be_parsed_fails_its_group_after_the_files_before_it(
    tmp_path, parse_settings, monkeypatch
):
    """Errors come in file order, as when each file was a task of its own."""
    rules, ratio, _ = parse_settings
    raw = tmp_path / "raw"
    raw.mkdir()
    for k in range(12):
        (raw / f"f{k:02}.txt").write_text(f"Abstract: the abstract of file {k}.\n")
    spans = chunks.parse_chunk

    def broken(data, chunk, source, *args):  # f01's spans lost, f00's rows out of range
        if source == "f01.txt":
            raise CoverageError("line 1: a span lost")
        parsed = spans(data, chunk, source, *args)
        if source == "f00.txt":
            at = parsed.occurrences.schema.get_field_index("line_start")
            zeros = pa.array([0] * parsed.occurrences.num_rows, pa.int64())
            parsed.occurrences = parsed.occurrences.set_column(at, "line_start", zeros)
        return parsed

    monkeypatch.setattr(stage, "parse_chunk", broken)
    with pytest.raises(TableError, match=r"f00.txt:0: "):
        stage.run(raw, tmp_path / "parse", tmp_path / "parse.json", rules, ratio, 1)
