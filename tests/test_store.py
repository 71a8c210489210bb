"""Compact containers: they must answer exactly like the dict and list they replace."""

from __future__ import annotations

import pickle
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from namenorm.store import Groups, KeyIndex, MultiMap, Strings, ranges


@given(st.lists(st.text()))
def test_strings_round_trip(texts: list[str]) -> None:
    packed = pickle.loads(pickle.dumps(Strings.of(texts)))
    assert list(packed) == texts
    assert len(packed) == len(texts)
    if texts:
        assert packed[-1] == texts[-1]


@given(st.lists(st.text(), max_size=5), st.integers(-8, 8))
def test_strings_index_like_a_list(texts: list[str], index: int) -> None:
    """Negative indexes count from the end; one out of range is an IndexError; the
    kernel's reader reads the same."""
    packed = Strings.of(texts)
    read = packed.reader()  # the kernel's string_at, bound: the same strings
    if -len(texts) <= index < len(texts):
        assert packed[index] == texts[index] == read(index)
    else:
        with pytest.raises(IndexError):
            packed[index]
        with pytest.raises(IndexError):
            read(index)


def test_the_kernel_reader_passes_surrogates_as_the_store_does() -> None:
    """A lone surrogate (from undecodable input) packs and reads back unchanged."""
    texts = ["x\udc80y", "Лукашэнка", ""]
    read = Strings.of(texts).reader()
    assert [read(i) for i in range(3)] == texts


@given(st.dictionaries(st.text(), st.integers(-(2**40), 2**40)), st.lists(st.text()))
def test_key_index_matches_a_dict(mapping: dict[str, int], probes: list[str]) -> None:
    index = pickle.loads(pickle.dumps(KeyIndex.of(mapping.items())))
    assert len(index) == len(mapping)
    for key, value in mapping.items():
        assert index.get(key) == value
    for probe in probes:
        assert index.get(probe, -7) == mapping.get(probe, -7)
        assert index.get_by_python(probe, -7) == mapping.get(probe, -7)
        encoded = probe.encode("utf-8", "surrogatepass")
        assert index.table().get(encoded) == mapping.get(probe)
    # once asked (the kernel's copy made), it still pickles, and alike
    again = pickle.loads(pickle.dumps(index))
    for key, value in mapping.items():
        assert again.get(key) == value == again.get_by_python(key)


def test_a_key_table_without_an_empty_slot_is_refused() -> None:
    """A look-up that misses stops at an empty slot: the kernel refuses a full table
    rather than loop for ever."""
    full = KeyIndex(Strings.of(["a"]), array("q", [5]), array("q", [0]))
    with pytest.raises(ValueError):
        full.get("b")


def test_ranges() -> None:
    starts, items = ranges([[1, 2], [], [3]])
    assert [list(items[starts[i] : starts[i + 1]]) for i in range(3)] == [[1, 2], [], [3]]


@given(st.dictionaries(st.text(), st.lists(st.integers(-(2**40), 2**40))), st.lists(st.text()))
def test_multimap_matches_a_dict(mapping: dict[str, list[int]], probes: list[str]) -> None:
    packed = pickle.loads(pickle.dumps(MultiMap.of(mapping)))
    assert len(packed) == len(mapping)
    for key, values in mapping.items():
        assert key in packed
        assert packed[key] == tuple(values) == packed.get(key)
    for probe in probes:
        assert packed.get(probe, (-1,)) == tuple(mapping.get(probe, (-1,)))
        assert (probe in packed) == (probe in mapping)
    assert sorted(packed.keys()) == sorted(mapping)


def test_groups() -> None:
    packed = Groups.of([[1, 2], [], [3]])
    assert list(packed) == [(1, 2), (), (3,)]


def test_strings_as_list_decodes_every_string_in_order() -> None:
    texts = ["", "a", "Лукашэнка", "x" * 300, "\udc80 lone surrogate", "end"]
    packed = Strings.of(texts)
    assert packed.as_list() == texts
    assert list(packed) == texts
