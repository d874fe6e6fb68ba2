"""Ids for life: once published and registered, an abstract keeps its id in every later
build, whatever copies arrive; a better copy improves its text under the same id."""

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import registry
from pipeline.cli import main
from pipeline.config import Params
from pipeline.core.defects import ALL_CAPS, TEX_DEBRIS, defects
from pipeline.core.ids import RegistryError, lines, raw_digest
from pipeline.core.normalize import normalize
from pipeline.release import record
from pipeline.release.diff import diff
from pipeline.release.reader import read_config
from tests.conftest import ROOT, run_pipeline

WORDS = [f"term{i}" for i in range(100)]
SPEECH = (
    "We train an auto-regressive decoder for speech recognition on ten thousand hours of "
    f"transcribed audio, and {' '.join(WORDS[:30])} beat the baseline by two points."
)
PARSING = (
    "Dependency parsers trained on news text degrade on social media, where "
    f"{' '.join(WORDS[30:60])} repair the trees with a small lexicon of spelling variants."
)
COMPLETE = (
    "Machine translation of low-resource languages profits from back-translation, and "
    f"{' '.join(WORDS[60:90])} help most when the monolingual data is in the target domain."
)
TRUNCATED = COMPLETE[: COMPLETE.index(" monolingual")]  # on a function word: "when the"
# Copies of them that arrive later: worse ones, and the complete text of the truncated one.
WORSE = [
    SPEECH.upper().replace("AUTO-", "AUTO-\n").replace(" ON TEN ", "\nON TEN "),  # hard-wrapped
    PARSING.replace("degrade", "\\emph degrade \\xyzzy"),  # longer, with TeX debris
    COMPLETE[: COMPLETE.index(" term70")],  # cut off again, shorter
]


def dumps(raw: Path, name: str, texts: list[str]) -> None:
    raw.mkdir(exist_ok=True)
    (raw / name).write_text("".join(f"Abstract: {text}\n\n" for text in texts))


def texts(release: Path) -> dict[str, str]:
    """Each abstract's id and text."""
    table = read_config(release, "default", ["id", "text"])
    return dict(zip(table["id"].to_pylist(), table["text"].to_pylist(), strict=True))


def test_published_ids_stay_and_a_complete_copy_improves_its_abstract(tmp_path, params):
    raw, ids = tmp_path / "raw", tmp_path / "registry" / "ids.tsv"
    dumps(raw, "a.txt", [SPEECH, PARSING, TRUNCATED])
    first = texts(run_pipeline(raw, tmp_path / "v1", params, ids))
    assert record.register(tmp_path / "v1" / "abstracts", ids)["added"] == 3
    assert defects(normalize(f"Abstract: {WORSE[0]}")) & ALL_CAPS
    assert defects(normalize(f"Abstract: {WORSE[1]}")) & TEX_DEBRIS
    dumps(raw, "b.txt", [*WORSE, COMPLETE])

    second = texts(run_pipeline(raw, tmp_path / "v2", params, ids))
    assert second.keys() == first.keys()
    (improved,) = [i for i, text in first.items() if text == normalize(f"Abstract: {TRUNCATED}")]
    assert second[improved] == normalize(f"Abstract: {COMPLETE}")
    assert {i: t for i, t in second.items() if i != improved} == {
        i: t for i, t in first.items() if i != improved
    }
    change = diff(tmp_path / "v1" / "abstracts", tmp_path / "v2" / "abstracts")
    assert (change.added, change.removed, change.changed) == ([], [], [improved])
    assert change.bump == "minor"
    # Without the registry, the complete copy's key gives the abstract another id.
    unregistered = texts(run_pipeline(raw, tmp_path / "v2-unregistered", params))
    assert improved not in unregistered and unregistered.keys() - first.keys()


def bridged_texts() -> tuple[str, str, str]:
    """Two abstracts too different to merge (shingle Jaccard 0.66), and a copy near both
    (0.81 each): the text they were both edited from."""
    words = [f"word{i}" for i in range(100)]
    one = [f"left{i}" for i in range(10)] + words[10:]
    two = words[:90] + [f"right{i}" for i in range(10)]
    return tuple(" ".join(text) + "." for text in (one, two, words))


def test_a_copy_bridging_two_published_abstracts_merges_neither(tmp_path, params):
    raw, ids = tmp_path / "raw", tmp_path / "ids.tsv"
    one, two, bridge = bridged_texts()
    dumps(raw, "a.txt", [one, two])
    first = texts(run_pipeline(raw, tmp_path / "v1", params, ids))
    assert len(first) == 2
    record.register(tmp_path / "v1" / "abstracts", ids)
    dumps(raw, "b.txt", [bridge])
    release = run_pipeline(raw, tmp_path / "v2", params, ids)
    assert texts(release).keys() == first.keys()
    occurrences = read_config(release, "occurrences", ["abstract_id", "text_raw"]).to_pylist()
    assert {o["abstract_id"] for o in occurrences if bridge in o["text_raw"]} == {min(first)}
    assert len(texts(run_pipeline(raw, tmp_path / "unregistered", params))) == 1


def params_with(tmp_path: Path, old: str, new: str) -> Params:
    text = (ROOT / "params.yaml").read_text()
    assert old in text
    (tmp_path / "params.yaml").write_text(text.replace(old, new))
    return Params(tmp_path / "params.yaml")


def test_a_stricter_rule_never_splits_a_published_abstract(tmp_path, params):
    """Two near copies published as one abstract stay one when the near threshold no longer
    joins them; and a new copy whose own id is that abstract's joins it too."""
    raw, ids = tmp_path / "raw", tmp_path / "ids.tsv"
    longer = SPEECH.replace("two points", "three points")  # near (Jaccard 0.89), canonical
    dumps(raw, "a.txt", [longer])
    dumps(raw, "b.txt", [SPEECH])
    (first,) = texts(run_pipeline(raw, tmp_path / "v1", params, ids))
    record.register(tmp_path / "v1" / "abstracts", ids)
    strict = params_with(tmp_path, "near_threshold: 0.7", "near_threshold: 0.99")
    assert len(texts(run_pipeline(raw, tmp_path / "strict", strict))) == 2
    release = run_pipeline(raw, tmp_path / "v2", strict, ids)
    assert [(a["id"], a["n_occurrences"]) for a in read_config(release, "default").to_pylist()] == [
        (first, 2)
    ]
    # The canonical copy's dump replaced by a re-wrapped copy, never registered: its key's id
    # is the published abstract's, which it joins (two abstracts with one id otherwise).
    dumps(raw, "a.txt", [longer.replace(" speech ", "\nspeech\n")])
    release = run_pipeline(raw, tmp_path / "v3", strict, ids)
    assert [(a["id"], a["n_occurrences"]) for a in read_config(release, "default").to_pylist()] == [
        (first, 2)
    ]


def test_register_is_idempotent_append_only_and_sorted(tmp_path, params):
    raw, ids = tmp_path / "raw", tmp_path / "registry" / "ids.tsv"
    dumps(raw, "a.txt", [SPEECH, PARSING, SPEECH])  # an exact copy: one line for both
    release = run_pipeline(raw, tmp_path / "v1", params, ids)
    assert record.register(release, ids) == {"occurrences": 3, "added": 2, "lines": 2}
    data = ids.read_bytes()
    digests = sorted(raw_digest(f"Abstract: {text}") for text in (SPEECH, PARSING))
    found = texts(release)
    assert [line.split("\t")[0] for line in data.decode().splitlines()] == [
        f"{d:016x}" for d in digests
    ]
    assert {line.split("\t")[1] for line in data.decode().splitlines()} == found.keys()
    assert record.register(release, ids) == {"occurrences": 3, "added": 0, "lines": 2}
    assert ids.read_bytes() == data
    dumps(raw, "b.txt", [COMPLETE])
    release = run_pipeline(raw, tmp_path / "v2", params, ids)
    assert record.register(release, ids)["added"] == 1
    assert set(data.decode().splitlines()) < set(ids.read_text().splitlines())


def test_register_refuses_a_release_not_built_with_the_registry(tmp_path, params):
    raw, ids = tmp_path / "raw", tmp_path / "ids.tsv"
    dumps(raw, "a.txt", [TRUNCATED])
    record.register(run_pipeline(raw, tmp_path / "v1", params, ids), ids)
    dumps(raw, "b.txt", [COMPLETE])
    release = run_pipeline(raw, tmp_path / "v2", params)  # built without it: a new id
    with pytest.raises(RegistryError, match="was not built with this registry"):
        record.register(release, ids)


def test_a_malformed_registry_is_one_clear_error(tmp_path, params):
    raw, ids = tmp_path / "raw", tmp_path / "ids.tsv"
    dumps(raw, "a.txt", [SPEECH, PARSING])
    release = run_pipeline(raw, tmp_path / "v1", params, ids)
    record.register(release, ids)
    good = ids.read_bytes()
    ids.write_bytes(good + b"0123\tnot an id\n")
    args = ["register", str(release), "--registry", str(ids)]
    result = CliRunner().invoke(main, [*args, "--releases", str(tmp_path / "releases.tsv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {ids}:3: expected `<16 hex digits><tab><16 hex digits>`" in result.output
    ids.write_bytes(good[34:] + good[:34])
    with pytest.raises(RegistryError, match=f"{ids}:2: digest not after"):
        registry.read(ids, chunk_lines=1)  # blocks of one line: checked across blocks
    with pytest.raises(RegistryError, match=f"{ids}:2: digest not after"):
        run_pipeline(raw, tmp_path / "v2", params, ids)


def test_a_missing_or_empty_registry_keeps_todays_ids(tmp_path, params):
    raw = tmp_path / "raw"
    dumps(raw, "a.txt", [SPEECH, PARSING])
    (tmp_path / "empty.tsv").touch()
    none, missing, empty = (
        texts(run_pipeline(raw, tmp_path / name, params, path))
        for name, path in (("a", None), ("b", tmp_path / "no.tsv"), ("c", tmp_path / "empty.tsv"))
    )
    assert none == missing == empty and len(none) == 2


@settings(max_examples=60, deadline=None)
@given(
    st.sets(st.integers(0, 2**64 - 1), max_size=40),
    st.sets(st.integers(0, 2**64 - 1), max_size=10),
    st.booleans(),
)
def test_a_checked_registry_is_looked_up_as_it_is_read(tmp_path_factory, held, other, newline):
    """A registry dedup read whole before is only looked up: the same lines as reading it
    whole, whether the digests sought are in it or not, and with or without a last newline."""
    digests = np.array(sorted(held), np.uint64)
    ids = np.array([f"{i:016x}".encode() for i in range(len(digests))], "S16")
    data = lines(digests, ids)
    path = tmp_path_factory.mktemp("registry") / "ids.tsv"
    path.write_bytes(data if newline else data[:-1])
    wanted = np.array(sorted(held & set(list(held)[::2]) | other), np.uint64)
    whole = registry.read(path, wanted)
    looked_up = registry.read(path, wanted, checked=True)
    assert whole[0].tolist() == looked_up[0].tolist()
    assert whole[1].tolist() == looked_up[1].tolist()
    assert set(whole[0].tolist()) == set(wanted.tolist()) & held
