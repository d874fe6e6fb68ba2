"""Publish takes dedup's digests of each part and reads its links file, and joins them to
the parts once every row's span key is the same on both sides."""

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import links, parts
from pipeline.errors import UserError
from pipeline.links import DIGESTS, read_all
from pipeline.release.assemble import LinksError, linked_parts
from schemas.fields import KEY
from tests.conftest import SEEDS, run_pipeline


@pytest.fixture(scope="module")
def built(tmp_path_factory, params):
    """The seeds built: the parse, normalize and dedup stages' folders."""
    out = tmp_path_factory.mktemp("seeds")
    run_pipeline(SEEDS, out, params)
    return {"parsed": out / "parse", "normalized": out / "normalize", "dedup": out / "dedup"}


def link_file(inputs, k: int) -> Path:
    """The links file of the `k`th normalized part."""
    return links.file(inputs["dedup"], parts.index(inputs["normalized"])[k]["part"])


def tables(config, inputs):
    """The config's tables, part by part, as publish makes them."""
    return (part.build() for part in linked_parts(config, inputs))


def refused(inputs, config="occurrences") -> str:
    """The message of the LinksError that joining dedup's links to the `inputs` raises."""
    with pytest.raises(LinksError) as caught:
        list(tables(config, inputs))
    assert isinstance(caught.value, UserError)  # the CLI says it in one line
    return str(caught.value)


def other_links(inputs, tmp_path, k: int, table: pa.Table) -> tuple[dict, Path]:
    """The inputs with dedup's folder copied and the `k`th part's links replaced by `table`."""
    other = inputs | {"dedup": shutil.copytree(inputs["dedup"], tmp_path / "dedup")}
    path = link_file(other, k)
    path.unlink()  # a hard link of the index's file: not written through
    links.write(table, path, 50_000)
    return other, path


def test_links_of_other_parts_or_rows_are_refused(built, tmp_path):
    table = links.load(link_file(built, 0))
    other, path = other_links(built, tmp_path, 0, table.slice(1))
    first = parts.paths(built["normalized"], parts.OCCURRENCES)[0]
    assert refused(other) == (
        f"{first}: {table.num_rows} rows but {path} has {table.num_rows - 1} for it: the links "
        "do not follow the normalized parts; run dedup again"
    )
    for damage in ("[]", "{"):  # none recorded, or unreadable
        (other["dedup"] / DIGESTS).write_text(damage)
        assert refused(other).startswith(f"{other['dedup'] / DIGESTS}: its parts are not those")
    (other["dedup"] / DIGESTS).unlink()
    assert "dedup's output is missing, damaged or older" in refused(other)


def test_each_occurrence_is_joined_to_its_own_link(built):
    columns = [*KEY, "abstract_id", "match"]
    joined = pa.concat_tables(tables("occurrences", built)).select(columns)
    linked = read_all(built["dedup"])
    assert joined.to_pylist() == linked.select(columns).to_pylist()
    canonical = linked.filter(linked["is_canonical"])
    abstracts = pa.concat_tables(tables("default", built))
    assert abstracts["id"].to_pylist() == canonical["abstract_id"].to_pylist()


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_links_with_two_rows_swapped_are_refused(built, tmp_path, config):
    second = parts.paths(built["normalized"], parts.OCCURRENCES)[1]
    table = links.load(link_file(built, 1))
    order = np.arange(table.num_rows)
    order[[1, 2]] = order[[2, 1]]
    other, path = other_links(built, tmp_path, 1, table.take(order))
    keys = table.select(KEY).to_pylist()
    assert refused(other, config).startswith(
        f"{second}: row 1 is {keys[1]} but {path} has {keys[2]} there"
    )


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_reversed_links_are_refused(built, tmp_path, config):
    table = links.load(link_file(built, 0))
    other, path = other_links(built, tmp_path, 0, table[::-1])
    keys = table.select(KEY).to_pylist()
    first = parts.paths(built["normalized"], parts.OCCURRENCES)[0]
    assert refused(other, config).startswith(
        f"{first}: row 0 is {keys[0]} but {path} has {keys[-1]} there"
    )


@pytest.mark.parametrize("column, value", [("source", "elsewhere.txt"), ("byte_start", 10**9)])
def test_a_part_whose_key_differs_from_its_link_is_refused(built, tmp_path, column, value):
    inputs = built
    copy = shutil.copytree(inputs["normalized"], tmp_path / "normalize")
    part = parts.paths(copy, parts.OCCURRENCES)[2]
    table = pq.read_table(part)
    linked = {n: table[n][3].as_py() for n in KEY}  # the link's key: the part's until changed
    values = table[column].to_pylist()
    values[3] = value
    at = table.schema.get_field_index(column)
    pq.write_table(table.set_column(at, table.schema.field(at), [values]), part)
    assert refused(inputs | {"normalized": copy}).startswith(
        f"{part}: row 3 is {linked | {column: value}} but {link_file(inputs, 2)} has {linked} there"
    )


def test_a_parse_part_whose_key_differs_from_its_link_is_refused(built, tmp_path):
    """`text_raw` comes from the parse parts, checked row by row like the normalized ones."""
    inputs = built
    copy = shutil.copytree(inputs["parsed"], tmp_path / "parse")
    part = parts.paths(copy, parts.OCCURRENCES)[1]
    table = pq.read_table(part)
    linked = {n: table[n][0].as_py() for n in KEY}
    at = table.schema.get_field_index("byte_start")
    pq.write_table(
        table.set_column(at, table.schema.field(at), [[10**9, *table[at].to_pylist()[1:]]]), part
    )
    path = link_file(inputs, 1)
    assert refused(inputs | {"parsed": copy}).startswith(
        f"{part}: row 0 is {linked | {'byte_start': 10**9}} but {path} has {linked} there"
    )
    assert list(tables("default", inputs | {"parsed": copy}))  # it takes no text_raw


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_taken_columns_come_from_the_links_file_dedup_recorded_only(built, tmp_path, config):
    """Where publish takes a part's linked columns alone, it does not read the part: the
    links file must be the one dedup recorded (its checksum), or it is refused."""
    whole = [part.build() for part in linked_parts(config, built)]
    names = list(links.FROM_LINKS[config])
    assert [t.select(names) for t in whole] == [p.taken() for p in linked_parts(config, built)]
    table = links.load(link_file(built, 0))
    other, path = other_links(built, tmp_path, 0, table[::-1])
    with pytest.raises(LinksError, match=r"not the file dedup recorded .*checksum differs\)"):
        linked_parts(config, other)[0].taken()
