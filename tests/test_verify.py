"""`abstracts verify` on releases whose rows were tampered with: every broken promise is
named, whichever shard holds it."""

import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

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
