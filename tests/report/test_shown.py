"""What the report shows and counts, read a shard at a time and merged from the shards'
summaries, equals what a read of the whole config would give, however the rows are cut
into shards."""

import json
import tempfile
from collections import Counter
from pathlib import Path
from unittest.mock import patch

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.report import shown, summary, table
from pipeline.report.figures import figures
from schemas import FLAGS, REJECT_REASONS

cuts = st.lists(st.integers(0, 40), max_size=6)


def release(folder: Path, config: str, rows: list[dict], cut: list[int]) -> Path:
    """A folder holding one config's `rows` as shards cut at the sorted positions `cut`."""
    (folder / "data" / config).mkdir(parents=True)
    bounds = [0, *sorted(min(c, len(rows)) for c in cut), len(rows)]
    for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        table = pa.Table.from_pylist(rows[start:end], schema=SCHEMAS[config])
        pq.write_table(table, folder / "data" / config / f"train-{i:05d}.parquet")
    return folder


SCHEMAS = {
    "default": pa.schema(
        [("id", pa.string()), ("text", pa.string())]
        + [("n_words", pa.int64()), ("n_occurrences", pa.int64())]
        + [(flag, pa.bool_()) for flag in FLAGS]
    ),
    "occurrences": pa.schema([("source", pa.string()), ("match", pa.string())]),
    "rejects": pa.schema(
        [
            ("reason", pa.string()),
            ("source", pa.string()),
            ("line_start", pa.int64()),
            ("text", pa.string()),
        ]
    ),
}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 4), max_size=40), cuts, st.integers(0, 5), st.integers(0, 45))
def test_largest_groups_whatever_the_shards(sizes, cut, top, limit):
    rows = [
        {"id": f"{(i * 7919) % 1000:04d}{i}", "text": "", "n_words": i, "n_occurrences": n}
        | dict.fromkeys(FLAGS, False)
        for i, n in enumerate(sizes)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = release(Path(tmp), "default", rows, cut)
        ranked = sorted(
            ({**r, "row": i} for i, r in enumerate(rows) if r["n_occurrences"] > 1),
            key=lambda r: (-r["n_occurrences"], r["id"]),
        )
        found, _ = summary.summaries(folder, {})
        groups = shown.largest(found["default"], top)
        assert [{k: g[k] for k in ("id", "n_occurrences", "row")} for g in groups] == [
            {"id": r["id"], "n_occurrences": r["n_occurrences"], "row": r["row"]}
            for r in ranked[:top]
        ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(sorted(REJECT_REASONS)), max_size=40), cuts, st.integers(0, 4))
def test_rejects_shown_are_the_first_of_each_reason_whatever_the_shards(reasons, cut, per_reason):
    rows = [
        {"reason": r, "source": "a.txt", "line_start": i, "text": None}
        for i, r in enumerate(reasons)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = release(Path(tmp), "rejects", rows, cut)
        expected = [
            r for i, r in enumerate(rows) if reasons[: i + 1].count(r["reason"]) <= per_reason
        ]
        got = shown.rejects(folder, per_reason)
        assert [{k: v for k, v in r.items() if k != "row"} for r in got] == expected


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(0, 400), st.booleans()), max_size=30),
    st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["exact", "near"])), max_size=30),
    st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from(sorted(REJECT_REASONS))), max_size=9),
    cuts,
    cuts,
)
def test_figures_merged_from_shard_summaries_are_the_whole_releases(
    abstracts, occurrences, rejects, cut, other_cut
):
    default = [
        {"id": f"{i:04d}", "n_words": words, "n_occurrences": n}
        | dict.fromkeys(FLAGS, False)
        | {FLAGS[0]: flag}
        for i, (n, words, flag) in enumerate(abstracts)
    ]
    found = [{"source": f"{s}.txt", "match": m} for s, m in occurrences]
    rejected = [
        {"reason": r, "source": f"{s}.txt", "line_start": i, "text": None}
        for i, (s, r) in enumerate(rejects)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = release(Path(tmp), "default", default, cut)
        release(folder, "occurrences", found, other_cut)
        release(folder, "rejects", rejected, cut)
        got = figures(folder)
    sources = {s: {"occurrences": 0, "rejects": 0} for s in [r["source"] for r in found + rejected]}
    for kind, rows in (("occurrences", found), ("rejects", rejected)):
        for source, n in Counter(r["source"] for r in rows).items():
            sources[source][kind] = n
    assert got.counts == {
        "abstracts": len(default),
        "occurrences": len(found),
        "rejects": len(rejected),
        "sources": len(sources),
        "with duplicates": sum(r["n_occurrences"] > 1 for r in default),
    }
    assert got.sources == dict(sorted(sources.items()))
    assert got.flags == dict.fromkeys(FLAGS, 0) | {FLAGS[0]: sum(f for *_, f in abstracts)}
    bin_ = summary.LENGTH_BIN
    assert got.lengths == dict(sorted(Counter(w // bin_ * bin_ for _, w, _ in abstracts).items()))
    assert got.matches == dict(sorted(Counter(m for _, m in occurrences).items()))
    assert got.reasons == dict(sorted(Counter(r for _, r in rejects).items()))


def _page(path: Path, data: bytes) -> Path:
    path.write_bytes(b"<p>" + table.DATA_OPEN.encode() + data + table.DATA_CLOSE.encode())
    return path


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=6), max_size=30), cuts, st.integers(0, 35), st.integers(0, 6))
def test_the_table_is_the_first_rows_and_reads_only_the_shards_that_changed(
    texts, cut, limit, changed
):
    """Whatever the shards, the table is the JSON of the first rows' columns (`<`, `>`,
    `&` escaped); given the last page and its record, a run reads only the shard that
    changed, if the table reaches it, and writes the same bytes as a run from nothing."""
    rows = [
        {"id": f"{i:04d}", "text": text, "n_words": i, "n_occurrences": 1}
        | dict.fromkeys(FLAGS, False)
        for i, text in enumerate(texts)
    ]
    items = {column: [r[column] for r in rows[:limit]] for column in table.COLUMNS}
    expected = json.dumps(items, ensure_ascii=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        expected = expected.replace(char, escaped)
    with tempfile.TemporaryDirectory() as tmp:
        folder = release(Path(tmp) / "release", "default", rows, cut)
        made = table.searchable(folder, limit, {})
        assert made.data == expected.encode() and made.rows == len(items["id"])
        page = _page(Path(tmp) / "page.html", made.data)
        files = sorted((folder / "data" / "default").iterdir())
        sizes = [pq.ParquetFile(f).metadata.num_rows for f in files]
        at = changed % len(files)
        reached = sum(sizes[:at]) < limit and sizes[at] > 0
        if sizes[at]:
            shard = pq.read_table(files[at])
            longer = pa.array([t + "!" * 40 for t in shard.column("text").to_pylist()])
            pq.write_table(shard.set_column(1, "text", longer), files[at])
        with patch.object(table, "_read", wraps=table._read) as read:
            again = table.searchable(folder, limit, table.kept(page, made.record()))
        assert read.call_count == int(reached)
        if reached:  # its texts only: the other columns' chunks are the same
            assert read.call_args.args[2] == ["text"]
        assert again.data == table.searchable(folder, limit, {}).data
