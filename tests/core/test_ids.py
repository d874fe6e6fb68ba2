"""The registry's lines, read and written as arrays, and which registered id each row takes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.ids import RegistryError, lines, merge, owners, parse, raw_digest

ID = "0123456789abcdef"


def registry(pairs: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    digests = np.array(sorted(pairs), np.uint64)
    return digests, np.array([pairs[d] for d in sorted(pairs)], "S16")


def test_raw_digest_is_pinned():
    assert f"{raw_digest('Abstract: We study ducks.'):016x}" == "09b62de866c64d12"


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.integers(0, 2**64 - 1), st.sampled_from([ID, "fedcba9876543210"])))
def test_lines_read_back_as_they_were_written(pairs):
    digests, ids = registry(pairs)
    data = lines(digests, ids)
    assert data.decode() == "".join(f"{d:016x}\t{pairs[d]}\n" for d in sorted(pairs))
    again = parse(data, "ids.tsv")
    assert again[0].tolist() == digests.tolist() and again[1].tolist() == ids.tolist()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"00000000000000aa\t" + ID.encode() + b"\nzz\n", "ids.tsv:2: expected `<16 hex"),
        (b"00000000000000AA\t" + ID.encode() + b"\n", "ids.tsv:1: expected"),
        (b"00000000000000aa " + ID.encode() + b"\n", "ids.tsv:1: expected"),
        (b"00000000000000aa\t" + ID.encode() + b"\r\n", "ids.tsv:1: expected"),
        (b"<<<<<<< HEAD\n", "ids.tsv:1: expected"),
        (b"00000000000000bb\t" + ID.encode() + b"\n" + b"00000000000000aa\t" + ID.encode(), ":2: "),
        (b"00000000000000aa\t" + ID.encode() + b"\n" * 2, "ids.tsv:2: expected"),
    ],
)
def test_a_malformed_line_is_named(data, message):
    with pytest.raises(RegistryError, match=message):
        parse(data, "ids.tsv")


def test_order_is_checked_across_blocks_and_lines_numbered_on():
    block = b"00000000000000bb\t" + ID.encode() + b"\n"
    assert parse(block, "ids.tsv", 7, before=0xAA)[0].tolist() == [0xBB]
    with pytest.raises(RegistryError, match="ids.tsv:7: digest not after the line before's"):
        parse(block, "ids.tsv", 7, before=0xBB)


def test_a_last_line_without_its_newline_is_read():
    assert parse(b"00000000000000aa\t" + ID.encode(), "ids.tsv")[0].tolist() == [0xAA]


def test_merge_adds_sorted_each_once_and_refuses_a_second_id():
    old = registry({5: ID, 9: ID})
    digests, ids = merge(old, registry({7: "fedcba9876543210", 5: ID}), "here")
    assert digests.tolist() == [5, 7, 9]
    assert ids.tolist() == [ID.encode(), b"fedcba9876543210", ID.encode()]
    with pytest.raises(RegistryError, match="here: occurrence 0000000000000009 has ids"):
        merge(old, registry({9: "fedcba9876543210"}), "here")


def test_owners_one_registered_id_a_group_takes_it():
    roots = np.array([0, 0, 2, 3])  # keys 0 and 1 in one group; 2 and 3 alone
    key = np.array([0, 1, 1, 2, 3])
    code = np.array([-1, 4, -1, -1, 2])
    assert owners(roots, key, code, np.array([[0, 1]])).tolist() == [4, 4, 4, -1, 2]


def test_owners_a_bridging_group_is_split_by_nearness():
    """Keys in a chain 0-1-2-3-4, 0 registered as 8 and 4 as 3: 1 is nearer 0, 3 nearer 4,
    and 2, as near to both, takes the smaller id. Registered rows keep theirs."""
    roots = np.zeros(5, np.int64)
    key = np.array([0, 1, 2, 3, 4, 4])
    code = np.array([8, -1, -1, -1, 3, -1])
    joined = np.array([[0, 1], [1, 2], [2, 3], [3, 4]])
    assert owners(roots, key, code, joined).tolist() == [8, 8, 3, 3, 3, 3]
    code[2] = 8  # key 2 holds a row registered as 8: its other rows take it
    assert owners(roots, np.r_[key, 2], np.r_[code, -1], joined).tolist() == [8, 8, 8, 3, 3, 3, 8]
