"""`abstracts verify` on releases whose rows were tampered with: every broken promise is
named, whichever shard holds it."""

import json
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipeline.release.layout import LEGACY_VERSION
from pipeline.release.verify import checks
from tests.conftest import SEEDS, run_pipeline

GROUP = "2724c26b5ad23ca0"  # the seeds' abstract with 3 occurrences


@pytest.fixture(scope="module")
def release(tmp_path_factory, params):
    root = tmp_path_factory.mktemp("verify")
    return run_pipeline(SEEDS, root, params)


def rewrite(shard, column: str, change) -> None:
    """Replace `column` of the shard by `change(column)`, keeping its schema and metadata."""
    table = pq.read_table(shard)
    index = table.schema.get_field_index(column)
    field = table.schema.field(index)
    pq.write_table(table.set_column(index, field, change(table[column]).cast(field.type)), shard)


def test_a_release_as_published_passes(release):
    assert {check: problems for check, problems in checks(release)} == dict.fromkeys(
        ("files", "checksums", "croissant", "schemas and card", "invariants"), []
    )


def test_broken_counts_rows_and_links_are_named(release, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    [default] = (copy / "data/default").glob("*.parquet")
    [occurrences] = (copy / "data/occurrences").glob("*.parquet")
    table = pq.read_table(default)
    first = table.filter(pc.equal(table["n_occurrences"], 1))["id"][0].as_py()
    rewrite(
        default,
        "n_occurrences",
        lambda n: pc.if_else(pc.equal(table["id"], GROUP), 4, n),
    )
    rewrite(default, "n_words", lambda n: pa.array([-1, *n.to_pylist()[1:]]))
    rewrite(
        occurrences,
        "abstract_id",
        lambda ids: pc.if_else(pc.equal(ids, first), "ffffffffffffffff", ids),
    )
    found = dict(checks(copy))
    assert "data/default/train-00000-of-00001.parquet: SHA-256 differs" in " ".join(
        found["checksums"]
    )
    assert any(
        p.startswith("default, train-00000-of-00001.parquet:") and "n_words" in p
        for p in found["schemas and card"]
    )
    assert found["invariants"] == [
        "occurrences point at ffffffffffffffff, which is no abstract",
        *sorted(
            [
                f"abstract {GROUP}: n_occurrences 4, but 3 occurrences",
                f"abstract {first}: n_occurrences 1, but 0 occurrences",
            ]
        ),
    ]


@pytest.mark.parametrize("named, passes", [("card", True), ("0.0.1", False)])
def test_a_file_naming_a_version_as_releases_up_to_1_1_0_must_name_the_cards(
    release, tmp_path, named, passes
):
    """Releases up to 1.1.0 name their version in each Parquet file's metadata too (now
    the card and croissant.json alone do): `abstracts verify` still reads them, and names
    a file whose version is not the card's."""
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    version = json.loads((copy / "croissant.json").read_text())["version"]
    [default] = (copy / "data/default").glob("*.parquet")
    table = pq.read_table(default)
    key = version if named == "card" else named
    metadata = table.schema.metadata | {LEGACY_VERSION: key}
    pq.write_table(table.replace_schema_metadata(metadata), default)
    expected = [] if passes else [f"default: Arrow schema or metadata differs from {version}'s"]
    assert dict(checks(copy))["schemas and card"] == expected
