"""Publish reads dedup's links a batch at a time, cut to the normalized parts' sizes, and
joins them to the parts once every row's span key is the same on both sides."""

import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import parts
from pipeline.errors import UserError
from pipeline.parts import LINKS
from pipeline.release.assemble import LinksError, _cut, linked_parts
from schemas.fields import KEY
from tests.conftest import SEEDS, run_pipeline


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=8), st.integers(1, 5))
def test_links_are_cut_to_the_parts_sizes(tmp_path_factory, sizes, batch_rows):
    path = tmp_path_factory.mktemp("links") / "links.parquet"
    pq.write_table(pa.table({"row": range(sum(sizes))}), path, row_group_size=3)
    cut = list(_cut(path, sizes, batch_rows))
    assert [t.num_rows for t in cut] == sizes
    assert [r for t in cut for r in t.column("row").to_pylist()] == list(range(sum(sizes)))


def test_links_not_matching_the_parts_are_refused(tmp_path):
    path = tmp_path / "links.parquet"
    pq.write_table(pa.table({"row": range(5)}), path)
    with pytest.raises(LinksError, match="links.parquet: 5 links for 6 normalized occurrences"):
        list(_cut(path, [3, 3]))


@pytest.fixture(scope="module")
def built(tmp_path_factory, params):
    """The seeds built: the parse and normalize stages' folders and dedup's links."""
    out = tmp_path_factory.mktemp("seeds")
    run_pipeline(SEEDS, out, params)
    return {"parsed": out / "parse", "normalized": out / "normalize"}, out / "dedup" / LINKS


def tables(config, inputs, links):
    """The config's tables, part by part, as publish makes them."""
    return (part.build() for part in linked_parts(config, inputs, links))


def refused(inputs, links, config="occurrences") -> str:
    """The message of the LinksError that joining `links` to the `inputs` raises."""
    with pytest.raises(LinksError) as caught:
        list(tables(config, inputs, links))
    assert isinstance(caught.value, UserError)  # the CLI says it in one line
    return str(caught.value)


def test_each_occurrence_is_joined_to_its_own_link(built):
    inputs, links = built
    columns = [*KEY, "abstract_id", "match"]
    joined = pa.concat_tables(tables("occurrences", inputs, links)).select(columns)
    assert joined.to_pylist() == pq.read_table(links, columns=columns).to_pylist()
    canonical = pq.read_table(links, filters=[("is_canonical", "=", True)])
    abstracts = pa.concat_tables(tables("default", inputs, links))
    assert abstracts["id"].to_pylist() == canonical["abstract_id"].to_pylist()


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_links_with_two_rows_swapped_are_refused(built, tmp_path, config):
    inputs, links = built
    first, second = parts.paths(inputs["normalized"], parts.OCCURRENCES)[:2]
    table = pq.read_table(links)
    at = pq.ParquetFile(first).metadata.num_rows + 1  # the second part's row 1
    order = np.arange(table.num_rows)
    order[[at, at + 1]] = order[[at + 1, at]]
    pq.write_table(table.take(order), tmp_path / LINKS)
    keys = table.select(KEY).to_pylist()
    assert refused(inputs, tmp_path / LINKS, config).startswith(
        f"{second}: row 1 is {keys[at]} but {tmp_path / LINKS} has {keys[at + 1]} there"
    )


@pytest.mark.parametrize("config", ["default", "occurrences"])
def test_reversed_links_are_refused(built, tmp_path, config):
    inputs, links = built
    table = pq.read_table(links)
    pq.write_table(table[::-1], tmp_path / LINKS)
    keys = table.select(KEY).to_pylist()
    first = parts.paths(inputs["normalized"], parts.OCCURRENCES)[0]
    assert refused(inputs, tmp_path / LINKS, config).startswith(
        f"{first}: row 0 is {keys[0]} but {tmp_path / LINKS} has {keys[-1]} there"
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
    assert refused(inputs | {"normalized": copy}, links).startswith(
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
    assert refused(inputs | {"parsed": copy}, links).startswith(
        f"{part}: row 0 is {linked | {'byte_start': 10**9}} but {links} has {linked} there"
    )
    assert list(tables("default", inputs | {"parsed": copy}, links))  # it takes no text_raw
