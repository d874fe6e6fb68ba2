"""Normalize and dedup stages: golden seeds, stable ids, quality on a grown real corpus."""

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import index, parts, synth
from pipeline.core import dedup as core_dedup
from pipeline.core.dedup import dedup_key
from pipeline.core.defects import ALL_CAPS, TEX_DEBRIS, defects
from pipeline.core.normalize import normalize
from pipeline.errors import UserError
from pipeline.links import read_all
from pipeline.release.reader import read_config
from pipeline.release.record import register
from pipeline.stages import dedup, parse
from pipeline.stages import normalize as normalize_stage
from pipeline.stages.dedup import Keys
from schemas.fields import KEY
from tests.conftest import SEEDS, links_bytes, run_pipeline
from tests.core.test_dedup import shingles


def build(raw, out, params):
    """Run the pipeline in `out`; return the release's (abstracts, occurrences) rows."""
    release = run_pipeline(raw, out, params)
    return tuple(read_config(release, name).to_pylist() for name in ("default", "occurrences"))


@pytest.fixture(scope="module")
def seeds_built(tmp_path_factory, params):
    return build(SEEDS, tmp_path_factory.mktemp("seeds"), params)


def test_seeds_golden(seeds_built):
    abstracts, occurrences = seeds_built
    assert (len(abstracts), len(occurrences)) == (24, 26)
    (llama,) = [a for a in abstracts if "Llama 4 model family" in a["text"]]
    assert (llama["n_occurrences"], llama["n_sources"]) == (3, 3)
    assert llama["has_lost_characters"]
    assert [a["text"][-30:] for a in abstracts if a["is_truncated"]] == [
        "o made the code publicly avail"
    ]
    assert not [a["text"] for a in abstracts if "$" in a["text"] or "\\" in a["text"]]
    text = " ".join(a["text"] for a in abstracts)
    for rendered in ("over 100× more data-efficient", "2∼5 times smaller", "as a “blackbox”"):
        assert rendered in text
    ids = {a["id"] for a in abstracts}
    assert len(ids) == 24 and {o["abstract_id"] for o in occurrences} == ids
    assert {o["match"] for o in occurrences} == {"exact"}


def test_ids_ignore_names_and_order_of_raw_files(tmp_path, params, seeds_built):
    raw = tmp_path / "raw"
    (raw / "later").mkdir(parents=True)
    for i, path in enumerate(sorted(SEEDS.iterdir(), reverse=True)):
        shutil.copy(path, raw / "later" / f"{i}-renamed.txt")
    abstracts, _ = build(raw, tmp_path, params)
    assert {(a["id"], a["text"]) for a in abstracts} == {
        (a["id"], a["text"]) for a in seeds_built[0]
    }


def test_an_unrelated_dump_changes_no_existing_id(tmp_path, params, seeds_built, acl_corpus):
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    shutil.copy(acl_corpus / "2017.lilt.txt", raw / "zz-new.txt")
    abstracts, _ = build(raw, tmp_path, params)
    before = {(a["id"], a["text"], a["n_occurrences"]) for a in seeds_built[0]}
    after = {(a["id"], a["text"], a["n_occurrences"]) for a in abstracts}
    assert before < after


@pytest.mark.parametrize("names", [("a", "b", "c"), ("c", "b", "a")])
def test_of_tied_copies_the_smallest_text_is_canonical(tmp_path, params, names):
    """Copies equal in rank and length, one in another case: the text decides, not files."""
    words = " ".join(f"word{i}" for i in range(40))
    lower, upper = f"We study how models learn {words}.", f"We study how Models learn {words}."
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in zip(names, (lower, upper, lower), strict=True):
        (raw / f"{name}.txt").write_text(f"Abstract:{text}\n")
    abstracts, occurrences = build(raw, tmp_path, params)
    assert [(a["text"], a["n_occurrences"]) for a in abstracts] == [(upper, 3)]
    assert {o["match"] for o in occurrences} == {"exact"}


WORDS = " ".join(f"token{i}" for i in range(40))
CLEAN = f"We train an auto-regressive decoder on speech, with {WORDS} and more."


@pytest.mark.parametrize(
    "worse, defect",
    [
        # longer, with a command left: the longer copy no longer wins
        (CLEAN.replace("decoder", "decoder \\xyzzy"), TEX_DEBRIS),
        # the same key, and the smaller text: it won the tie on the text
        (CLEAN.upper().replace("AUTO-", "AUTO-\n"), ALL_CAPS),
    ],
)
@pytest.mark.parametrize("names", [("a", "b"), ("b", "a")])
def test_a_clean_copy_beats_a_copy_with_defects(tmp_path, params, worse, defect, names):
    assert defects(normalize(f"Abstract: {worse}")) & defect  # what the copy is made to have
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in zip(names, (CLEAN, worse), strict=True):
        (raw / f"{name}.txt").write_text(f"Abstract: {text}\n")
    abstracts, occurrences = build(raw, tmp_path, params)
    assert [(a["text"], a["n_occurrences"]) for a in abstracts] == [(CLEAN, 2)]


@pytest.mark.parametrize("names", [("a", "b"), ("b", "a")])
def test_a_complete_copy_beats_a_truncated_one_with_fewer_defects(tmp_path, params, names):
    """Complete first: a truncated copy is worse than any other defect."""
    debris, truncated = CLEAN.replace("decoder", "decoder \\xyzzy"), CLEAN[: -len(" more.")]
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in zip(names, (debris, truncated), strict=True):
        (raw / f"{name}.txt").write_text(f"Abstract: {text}\n")
    abstracts, _ = build(raw, tmp_path, params)
    assert [(a["text"], a["is_truncated"]) for a in abstracts] == [(debris, False)]


def distinct_originals(texts):
    """Texts sharing no run of 8 words with an earlier one: surely different abstracts (the
    real corpus has a few near-twins, which dedup rightly merges)."""
    seen, kept = set(), []
    for text in texts:
        runs = shingles(dedup_key(normalize("Abstract:" + text)), 8)
        if seen.isdisjoint(runs):
            kept.append(text)
        seen |= runs
    return kept


def test_dedup_quality_on_a_grown_acl_corpus(tmp_path, params, acl_corpus):
    originals = distinct_originals(random.Random(5).sample(synth.read_abstracts(acl_corpus), 4000))
    items = list(synth.blocks(originals, 6000, duplicate_rate=0.3, seed=11))
    synth.write_dumps(items, tmp_path / "raw", per_dump=2000, seed=11)
    _, occurrences = build(tmp_path / "raw", tmp_path, params)
    assert len(occurrences) == len(items)
    truth = [item.original for item in items]
    predicted = [o["abstract_id"] for o in occurrences]  # sorted by (source, byte_start)
    precision, recall = synth.pair_scores(predicted, truth)
    assert precision >= 0.98 and recall >= 0.98, (precision, recall)
    merged = {}
    for group, original in zip(predicted, truth, strict=True):
        merged.setdefault(group, set()).add(original)
    assert [g for g, members in merged.items() if len(members) > 1] == []
    kinds = {o["match"] for o in occurrences}
    assert kinds == {"exact", "near", "truncated"}


def test_a_second_dedup_verifies_no_pair_again_and_writes_the_same_links(
    tmp_path, params, acl_corpus, monkeypatch
):
    """From its index, or from none (its verdicts kept), dedup verifies no pair again."""
    originals = synth.read_abstracts(acl_corpus)[:1500]
    synth.write_dumps(synth.blocks(originals, 2000, 0.5, seed=7), tmp_path / "raw", 1000, seed=7)
    _, occurrences = build(tmp_path / "raw", tmp_path, params)
    assert {o["match"] for o in occurrences} >= {"near"}
    written = links_bytes(tmp_path / "dedup")

    def verify(task):
        raise AssertionError(f"{len(task[1])} pairs verified again")

    monkeypatch.setattr(core_dedup, "_verified", verify)
    made, digest = [], dedup.links.digests
    monkeypatch.setattr(dedup.links, "digests", lambda *a: made.append(a[0]) or digest(*a))
    args = (params.dedup(), params.lengths(), 1)
    for gone in ("nothing", "dedup.index"):
        shutil.rmtree(tmp_path / gone, ignore_errors=True)
        before = _inodes(tmp_path)
        dedup.run(tmp_path / "normalize", tmp_path / "dedup", tmp_path / "dedup.json", *args)
        assert links_bytes(tmp_path / "dedup") == written
        # No row decided otherwise: each part's rows and links are the files they were.
        kept = before.items() & _inodes(tmp_path).items()
        assert kept == (before.items() if gone == "nothing" else set()) and len(before) >= 2
        # From its index no part changed: its digests are the last run's. From none: all.
        assert len(made) == (0 if gone == "nothing" else len(parts.index(tmp_path / "normalize")))
        made.clear()
    shutil.rmtree(tmp_path / "dedup.index")
    (tmp_path / "dedup.pairs.npz").unlink()  # no verdicts kept: every pair is verified
    with pytest.raises(AssertionError, match="pairs verified again"):
        dedup.run(tmp_path / "normalize", tmp_path / "dedup", tmp_path / "dedup.json", *args)


def test_dumps_without_abstracts_are_linked_to_nothing(tmp_path, params):
    """No occurrence at all: dedup's empty band files are not mapped, and it links none."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "noise.txt").write_text("Download PDF\nJohn Smith\n")
    parse.run(tmp_path / "raw", tmp_path / "parse", tmp_path / "parse.json", *params.parse(), 1)
    normalize_stage.run(tmp_path / "parse", tmp_path / "normalize", params.dedup(), 100, 1)
    args = (params.dedup(), params.lengths(), 2)
    summary = dedup.run(tmp_path / "normalize", tmp_path / "dedup", tmp_path / "dedup.json", *args)
    assert summary["occurrences"] == 0 and summary["abstracts"] == 0
    assert read_all(tmp_path / "dedup").num_rows == 0


def test_links_hold_each_occurrences_span_key_a_part_at_a_time(tmp_path, params, monkeypatch):
    """Each normalized part's links, in its file, hold its rows' span keys in order;
    written in row groups of any size, they are the same."""
    run_pipeline(SEEDS, tmp_path, params)
    entries = parts.index(tmp_path / "normalize")
    files = parts.paths(tmp_path / "normalize", parts.OCCURRENCES)
    assert len(files) > 1
    for entry, path in zip(entries, files, strict=True):
        links = dedup.links.load(dedup.links.file(tmp_path / "dedup", entry["part"]))
        assert links.select(KEY).equals(pq.read_table(path, columns=list(KEY)))
    monkeypatch.setattr(dedup, "LINK_ROWS", 4)
    args = (params.dedup(), params.lengths(), 1)
    dedup.run(tmp_path / "normalize", tmp_path / "batched", tmp_path / "batched.json", *args)
    assert read_all(tmp_path / "batched").equals(read_all(tmp_path / "dedup"))


def test_every_link_is_validated_a_batch_at_a_time(tmp_path, params, monkeypatch):
    """A full build validates every link, in batches of at most VALIDATE_ROWS rows (the
    real Pandera validation, watched)."""
    parse.run(SEEDS, tmp_path / "parse", tmp_path / "parse.json", *params.parse(), 1)
    normalize_stage.run(tmp_path / "parse", tmp_path / "normalize", params.dedup(), 100, 1)
    batches, real = [], dedup.validate
    monkeypatch.setattr(dedup, "VALIDATE_ROWS", 4)
    monkeypatch.setattr(dedup, "validate", lambda model, t: batches.append(t) or real(model, t))
    args = (params.dedup(), params.lengths(), 1)
    summary = dedup.run(tmp_path / "normalize", tmp_path / "dedup", tmp_path / "dedup.json", *args)
    links = read_all(tmp_path / "dedup")
    assert len(batches) > 1 and max(t.num_rows for t in batches) == 4
    assert pa.concat_tables(batches).equals(links) and links.num_rows == summary["occurrences"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.text(max_size=12), min_size=1, max_size=40, unique_by=dedup_key),
    st.randoms(use_true_random=False),
)
def test_keys_copied_to_the_store_read_back_as_they_were(tmp_path_factory, texts, rng):
    """The keys of texts of any script, in parts of several row groups (the store makes
    them from the texts); any subsets copied in two runs (the store saved and opened again
    between them), read in any order, repeats included."""
    keys = list(map(dedup_key, texts))
    folder = tmp_path_factory.mktemp("keys")
    files, cuts = [], sorted(rng.sample(range(len(keys) + 1), 2))
    for i, part in enumerate((texts[: cuts[0]], texts[cuts[0] : cuts[1]], texts[cuts[1] :])):
        files.append(folder / f"{i}.parquet")
        pq.write_table(pa.table({"text": pa.array(part, pa.string())}), files[-1], row_group_size=3)
    at = dedup.Parts(files, [pq.ParquetFile(path).metadata.num_rows for path in files])
    first = np.argsort([core_dedup.digest(key) for key in keys])  # each key's row, in order
    digests = np.array([core_dedup.digest(keys[row]) for row in first], "V16")
    for run in range(3):
        (folder / f"run{run}").mkdir()  # each run's new index folder
    store, texts, copied = None, index.Texts(folder / "run0", index.Index(folder, "")), []
    for run in (1, 2):
        copied.append(np.array(rng.sample(range(len(keys)), rng.randint(1, len(keys)))))
        store = Keys(texts, digests, first, at).copy(copied[-1])
        saved = texts.save(texts.path.parent)[0]
        texts = index.Texts(folder / f"run{run}", index.Index(texts.path.parent, "", texts=saved))
    wanted = np.array(rng.choices(np.concatenate(copied), k=20))
    assert Keys(texts, digests, first, at)(wanted).to_pylist() == [keys[first[k]] for k in wanted]
    assert store(wanted).to_pylist() == [keys[first[k]] for k in wanted]


def test_a_key_made_again_that_is_not_the_one_normalize_hashed_is_refused(tmp_path):
    """The store makes keys from the parts' texts: one whose digest is not the one given
    (parts made by other code, or another Python) stops dedup, never stored wrong."""
    path = tmp_path / "parts" / "p" / "occurrences.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"text": ["One text.", "Another text."]}), path)
    digests = np.sort(np.array([core_dedup.digest(k) for k in ("one text", "a third")], "V16"))
    (tmp_path / "run").mkdir()
    store = index.Texts(tmp_path / "run", index.Index(tmp_path, ""))
    with pytest.raises(UserError, match="not the one normalize hashed"):
        store.copy(digests, np.array([0, 1]), [path], [2])


@pytest.mark.parametrize("registered, share", [(False, 0), (True, 0), (False, float("inf"))])
def test_incremental_dedup_equals_a_clean_one(
    tmp_path, params, acl_corpus, monkeypatch, registered, share
):
    """Dumps of a crawl's copies added one after another, in an order that puts some
    before the others, then one removed: after each run, the links and counts are those of
    a dedup from no index, byte for byte, and only the first run and the removal rebuild.
    With a registry of a release of the first dump and of one added later (its rows
    registered as they arrive); the bands' deltas never merged into their bases, or merged
    on every run."""
    monkeypatch.setattr(index, "MERGE_SHARE", share)
    originals = synth.read_abstracts(acl_corpus)[:150]
    blocks = synth.blocks(originals, 2400, 1.0, seed=5, copies=7)
    dumps = synth.write_dumps(blocks, tmp_path / "all", 300, seed=5)
    order = random.Random(5).sample(dumps, len(dumps))
    ids = None
    if registered:
        (tmp_path / "released").mkdir()
        for path in (order[0], order[3]):
            shutil.copy(path, tmp_path / "released" / path.name)
        ids = tmp_path / "ids.tsv"
        register(run_pipeline(tmp_path / "released", tmp_path / "release", params), ids)
    raw, rules = tmp_path / "raw", params.parse()
    raw.mkdir()
    for path in order[:3]:
        shutil.copy(path, raw / path.name)
    steps = [(path, "add") for path in order[3:]] + [(order[1], "remove")]
    args = (params.dedup(), params.lengths(), 2, ids)
    read, read_rows = [], dedup.index.read_rows
    monkeypatch.setattr(
        dedup.index, "read_rows", lambda f, *a: read.append(len(f)) or read_rows(f, *a)
    )
    for step, (path, what) in enumerate([(None, "first"), *steps]):
        if what == "add":
            shutil.copy(path, raw / path.name)
        elif what == "remove":
            (raw / path.name).unlink()
        parse.run(raw, tmp_path / "parse", tmp_path / "parse.json", *rules, 2)
        normalize_stage.run(tmp_path / "parse", tmp_path / "normalize", params.dedup(), 500, 2)
        built = tmp_path / "inc" / "dedup"
        read.clear()
        bases = _bases(built.with_name("dedup.index"))
        summary = dedup.run(tmp_path / "normalize", built, tmp_path / "inc.json", *args)
        assert read == [{"add": 1, "remove": len(order) - 1}.get(what, 3)]
        if what == "add":  # the bases are linked as they were, or all written anew
            kept = bases.items() & _bases(built.with_name("dedup.index")).items()
            assert len(kept) == (len(bases) if share else 0)
        clean = tmp_path / f"clean{step}" / "dedup"
        expected = dedup.run(tmp_path / "normalize", clean, tmp_path / "clean.json", *args)
        assert summary == expected
        assert links_bytes(built) == links_bytes(clean), (step, what)
        meta = json.loads((built.with_name("dedup.index") / "meta.json").read_text())
        assert len(meta["parts"]) == len(list(raw.iterdir()))
    assert {"near", "truncated"} <= set(summary["matches"]) and summary["groups_with_duplicates"]
    alone = tmp_path / "alone" / "dedup"  # no registry
    dedup.run(tmp_path / "normalize", alone, tmp_path / "alone.json", *args[:-1])
    same = read_all(clean).equals(read_all(alone))
    assert same != registered  # the registry kept ids this build would not have given


def test_a_copy_of_an_old_abstract_rewrites_its_parts_decisions_only(tmp_path, params):
    """A copy joining an abstract of an old part changes that part's decided rows (its
    count), written anew in the index; the rows the part was added with, and every row
    of a part it does not touch, stay the files they were."""
    raw = tmp_path / "raw"
    raw.mkdir()
    other = " ".join(f"word{i}" for i in range(50)) + "."
    (raw / "a.txt").write_text(f"Abstract: {CLEAN}\n")
    (raw / "b.txt").write_text(f"Abstract: {other}\n")
    home = tmp_path / "dedup.index"

    def files() -> dict[tuple[str, str], int]:
        names = {entry["part"]: entry["source"] for entry in parts.index(tmp_path / "normalize")}
        found = {}
        for path in home.glob("row.*.bin"):
            _, part, kind, _ = path.name.split(".")
            found[names[part], kind] = path.stat().st_ino
        return found

    run_pipeline(raw, tmp_path, params)
    before = files()
    (raw / "c.txt").write_text(f"Abstract: {CLEAN}\n")
    run_pipeline(raw, tmp_path, params)
    after = files()
    kept = {key for key in before if before[key] == after[key]}
    assert kept == {("a.txt", "added"), ("b.txt", "added"), ("b.txt", "decided")}
    assert {("c.txt", "added"), ("c.txt", "decided")} < after.keys()


def _inodes(built: Path) -> dict[str, int]:
    """The inode of each part's file of rows in dedup's index and of links in its output,
    under the folder `built` (none of the index if it is gone)."""
    found = [*built.glob("dedup.index/row.*.bin"), *built.glob("dedup/links/*.arrow")]
    return {path.relative_to(built).as_posix(): path.stat().st_ino for path in found}


def _bases(home: Path) -> dict[str, int]:
    """The inode of each band's base in the index at `home`."""
    return {path.name: path.stat().st_ino for path in home.glob("band-*.base.*")}


def _flip(path):
    """Change one byte in the middle of the file at `path`, keeping its size."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _move_row(meta):
    """Move a row from the second part to the first in the index's meta, the sum kept."""
    data = json.loads(meta.read_text())
    first, second = data["parts"][:2]
    first["rows"], second["rows"] = first["rows"] + 1, second["rows"] - 1
    meta.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "damage, full",
    [
        (lambda home: _flip(sorted(home.glob("row.*.added.bin"))[1]), True),
        (lambda home: _flip(sorted(home.glob("row.*.decided.bin"))[1]), True),
        (lambda home: _flip(home / "band-3.base.key.npy"), True),
        (lambda home: _flip(home / "keys.bin"), True),
        (lambda home: (home / "band-0.base.hash.npy").write_bytes(b""), True),
        (lambda home: (home / "key.root.npy").unlink(), True),
        (lambda home: (home / "text.start.npy").unlink(), True),
        (lambda home: (home / "meta.json").write_text("{"), True),
        (lambda home: _move_row(home / "meta.json"), True),
        (lambda home: home.with_name("dedup.pairs.npz").write_bytes(b"PK"), False),
        (lambda home: _flip(sorted(home.with_name("dedup").glob("links/*"))[1]), False),
    ],
    ids=[
        *("rows-added", "rows-decided", "band", "texts", "emptied", "missing", "text-array"),
        *("meta", "meta-edit", "pairs", "links"),
    ],
)
def test_a_damaged_index_is_never_trusted(tmp_path, params, acl_corpus, monkeypatch, damage, full):
    """Whatever is wrong with the index, dedup starts from none: every part read again,
    and the links a clean dedup's (unreadable verdicts are none, and a links file not as
    recorded is written again: no build from scratch)."""
    originals = synth.read_abstracts(acl_corpus)[:300]
    synth.write_dumps(synth.blocks(originals, 900, 0.5, seed=4), tmp_path / "raw", 300, seed=4)
    run_pipeline(tmp_path / "raw", tmp_path, params)
    damage(tmp_path / "dedup.index")
    read, read_rows = [], dedup.index.read_rows
    monkeypatch.setattr(
        dedup.index, "read_rows", lambda f, *a: read.append(len(f)) or read_rows(f, *a)
    )
    args = (params.dedup(), params.lengths(), 1)
    dedup.run(tmp_path / "normalize", tmp_path / "dedup", tmp_path / "dedup.json", *args)
    assert read == ([3] if full else [0])  # all three parts: a full build
    dedup.run(tmp_path / "normalize", tmp_path / "clean" / "dedup", tmp_path / "c.json", *args)
    assert links_bytes(tmp_path / "dedup") == links_bytes(tmp_path / "clean/dedup")
