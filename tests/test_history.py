"""The history of releases: a version always names the same data, and never goes back."""

import pytest

from pipeline.release import history
from pipeline.release.history import HEADER, Release
from pipeline.release.reader import ReleaseError

A = Release("1.0.0", "2026-01-01", "a" * 64)
B = Release("1.1.0", "2026-02-01", "b" * 64)


def test_record_adds_each_version_once_in_order(tmp_path):
    path = tmp_path / "registry" / "releases.tsv"
    assert history.read(path) == []
    assert history.record(path, A) and history.record(path, B)
    assert not history.record(path, B._replace(date_published="2026-03-01"))  # same data
    assert history.read(path) == [A, B]
    assert path.read_text() == HEADER + "".join("\t".join(r) + "\n" for r in (A, B))


@pytest.mark.parametrize(
    "release, message",
    [
        (B._replace(data_sha256="c" * 64), "publish.version 1.1.0 was released with other data"),
        (Release("1.0.5", "2026-03-01", "c" * 64), "1.0.5 is below the last release, 1.1.0"),
    ],
)
def test_a_version_that_breaks_the_promise_is_refused(tmp_path, release, message):
    path = tmp_path / "releases.tsv"
    history.record(path, A), history.record(path, B)
    with pytest.raises(ReleaseError, match=message):
        history.check(path, release)
    with pytest.raises(ReleaseError, match=message):
        history.record(path, release)
    assert history.read(path) == [A, B]
    history.check(path, Release("1.1.1", "2026-03-01", "c" * 64))  # a new version is fine


@pytest.mark.parametrize(
    "text, message",
    [
        ("version\n", r"releases.tsv:1: expected the header"),
        (HEADER + "1.0\t2026-01-01\t" + "a" * 64 + "\n", r"releases.tsv:2: expected VERSION"),
        (HEADER + "\t".join(B) + "\n" + "\t".join(A) + "\n", "out of order or repeated"),
        (HEADER + "\t".join(A) + "\n" + "\t".join(A) + "\n", "out of order or repeated"),
    ],
)
def test_a_malformed_history_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "releases.tsv"
    path.write_text(text)
    with pytest.raises(ReleaseError, match=message):
        history.read(path)


def test_the_data_digest_covers_the_data_files_only():
    data = {"data/default/train-00000-of-00001.parquet": "1" * 64}
    digest = history.data_sha256(data)
    assert history.data_sha256(data | {"README.md": "2" * 64}) == digest
    assert history.data_sha256({n: "3" * 64 for n in data}) != digest
