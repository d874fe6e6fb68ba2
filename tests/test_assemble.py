"""Publish takes dedup's digests of each part and reads its links by range, and joins them
to the parts once every row's span key is the same on both sides."""

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import parts
from pipeline.errors import UserError
from pipeline.links import DIGESTS, LinkRows
from pipeline.parts import LINKS
from pipeline.release.assemble import LinksError, linked_parts
from schemas.fields import KEY
from tests.conftest import SEEDS, run_pipeline


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(0, 9), max_size=8),
    st.integers(1, 5),
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 10)), max_size=6),
)
def test_links_are_read_by_range(tmp_path_factory, sizes, group_rows, asked):
    path = tmp_path_factory.mktemp("links") / "links.parquet"
    pq.write_table(pa.table({"row": range(sum(sizes))}), path, row_group_size=group_rows)
    read = LinkRows(path)
    bounds = np.cumsum([0, *sizes])
    ranges = [*zip(bounds[:-1], bounds[1:], strict=True)]  # the parts, in order
    ranges += [(min(a, sum(sizes)), min(a + n, sum(sizes))) for a, n in asked]  # any order
    for start, stop in ranges:
        assert read(int(start), int(stop)).column("row").to_pylist() == list(range(start, stop))


@pytest.fixture(scope="module")
def built(tmp_path_factory, params):
    """The seeds built: the parse, normalize and dedup stages' folders, and dedup's links."""
    out = tmp_path_factory.mktemp("seeds")
    run_pipeline(SEEDS, out, params)
    inputs = {"parsed": out / "parse", "normalized": out / "normalize", "dedup": out / "dedup"}
    return inputs, out / "dedup" / LINKS


def tables(config, inputs):
    """The config's tables, part by part, as publish makes them."""
    return (part.build() for part in linked_parts(config, inputs))


def refused(inputs, config="occurrences") -> str:
    """The message of the LinksError that joining dedup's links to the `inputs` raises."""
    with pytest.raises(LinksError) as caught:
        list(tables(config, inputs))
    assert isinstance(caught.value, UserError)  # the CLI says it in one line
    return str(caught.value)


def other_links(inputs, tmp_path, table: pa.Table) -> tuple[dict, Path]:
    """The inputs with dedup's folder copied and its links replaced by `table`."""
    dedup = shutil.copytree(inputs["dedup"], tmp_path / "dedup")
    pq.write_table(table, dedup / LINKS)
    return inputs | {"dedup": dedup}, dedup / LINKS


def test_links_of_other_parts_or_rows_are_refused(built, tmp_path):
    inputs, links = built
    other, path = other_links(inputs, tmp_path, pq.read_table(links).slice(1))
    rows = pq.read_metadata(links).num_rows
    assert (
        refused(other)
        == f"{path}: {rows - 1} links for the {len(parts.index(inputs['normalized']))} parts' rows"
    )
    for damage in ("[]", "{"):  # none recorded, or unreadable
        (other["dedup"] / DIGESTS).write_text(damage)
        assert refused(other).startswith(f"{other['dedup'] / DIGESTS}: its parts are not those")
    (other["dedup"] / DIGESTS).unlink()
    assert "dedup's output is missing, damaged or older" in refused(other)


def test_each_occurrence_is_joined_to_its_own_link(built):
    inputs, links = built
    columns = [*KEY, "abstract_id", "match"]
    joined = pa.concat_tables(tables("occurrences", inputs)).select(columns)
    assert joined.to_pylist() == pq.read_table(links, columns=columns).to_pylist()
    canonical = pq.read_table(links, filters=[("is_canonical", "=", True)])
    abstracts = pa.concat_tables(tables("default", inputs))
    assert abstracts["id"].to_pylist() == canonical["abstract_id"].to_pylist()


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_links_with_two_rows_swapped_are_refused(built, tmp_path, config):
    inputs, links = built
    first, second = parts.paths(inputs["normalized"], parts.OCCURRENCES)[:2]
    table = pq.read_table(links)
    at = pq.ParquetFile(first).metadata.num_rows + 1  # the second part's row 1
    order = np.arange(table.num_rows)
    order[[at, at + 1]] = order[[at + 1, at]]
    other, path = other_links(inputs, tmp_path, table.take(order))
    keys = table.select(KEY).to_pylist()
    assert refused(other, config).startswith(
        f"{second}: row 1 is {keys[at]} but {path} has {keys[at + 1]} there"
    )


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_reversed_links_are_refused(built, tmp_path, config):
    inputs, links = built
    table = pq.read_table(links)
    other, path = other_links(inputs, tmp_path, table[::-1])
    keys = table.select(KEY).to_pylist()
    first = parts.paths(inputs["normalized"], parts.OCCURRENCES)[0]
    assert refused(other, config).startswith(
        f"{first}: row 0 is {keys[0]} but {path} has {keys[-1]} there"
    )


@pytest.mark.parametrize("column, value", [("source", "elsewhere.txt"), ("byte_start", 10**9)])
def test_a_part_whose_key_differs_from_its_link_is_refused(built, tmp_path, column, value):
    inputs, links = built
    copy = shutil.copytree(inputs["normalized"], tmp_path / "normalize")
    part = parts.paths(copy, parts.OCCURRENCES)[2]
    table = pq.read_table(part)
    linked = {n: table[n][3].as_py() for n in KEY}  # the link's key: the part's until changed
    values = table[column].to_pylist()
    values[3] = value
    at = table.schema.get_field_index(column)
    pq.write_table(table.set_column(at, table.schema.field(at), [values]), part)
    assert refused(inputs | {"normalized": copy}).startswith(
        f"{part}: row 3 is {linked | {column: value}} but {links} has {linked} there"
    )


def test_a_parse_part_whose_key_differs_from_its_link_is_refused(built, tmp_path):
    """`text_raw` comes from the parse parts, checked row by row like the normalized ones."""
    inputs, links = built
    copy = shutil.copytree(inputs["parsed"], tmp_path / "parse")
    part = parts.paths(copy, parts.OCCURRENCES)[1]
    table = pq.read_table(part)
    linked = {n: table[n][0].as_py() for n in KEY}
    at = table.schema.get_field_index("byte_start")
    pq.write_table(
        table.set_column(at, table.schema.field(at), [[10**9, *table[at].to_pylist()[1:]]]), part
    )
    assert refused(inputs | {"parsed": copy}).startswith(
        f"{part}: row 0 is {linked | {'byte_start': 10**9}} but {links} has {linked} there"
    )
    assert list(tables("default", inputs | {"parsed": copy}))  # it takes no text_raw
