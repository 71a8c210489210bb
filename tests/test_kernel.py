"""The compiled kernel agrees with plain references: Levenshtein by dynamic programming,
and the neighbours of a part written out from their definition in namenorm.neighbours.
(The ranking kernel is checked against the Python scorer in test_candidates.)"""

from __future__ import annotations

from array import array

import pytest
from conftest import edit_distance
from hypothesis import given, settings
from hypothesis import strategies as st

from namenorm._kernel import Rows, levenshtein
from namenorm.neighbours import (
    GROUP,
    MIN_PART,
    SAME_CODE,
    SHORT_FORM,
    SWAP_COST,
    VOWEL_COST,
    Near,
    Neighbours,
    PartCodes,
    build,
    part_numbers,
)
from namenorm.phonetic import codes, consonants, letter_tables, skeleton_of_code
from namenorm.store import KeyIndex

# Few letters, so that strings share many and the distances are not all "everything".
letters = st.text(alphabet="abcSHz", max_size=80)


@settings(max_examples=3000, deadline=None)
@given(letters, letters)
def test_levenshtein_matches_the_textbook_distance(a: str, b: str) -> None:
    """Short and long strings alike (the bit-parallel path stops at 64 letters)."""
    assert levenshtein(a.encode(), b.encode()) == edit_distance(a, b)


def test_levenshtein_at_the_64_letter_boundary() -> None:
    """Patterns of 63, 64 and 65 letters take both paths and agree with the reference."""
    for m in (63, 64, 65):
        a = ("ab" * 40)[:m]
        for b in (a, a[1:], "b" + a, a[:-1] + "z", "z" * 70, ""):
            assert levenshtein(a.encode(), b.encode()) == edit_distance(a, b)


def python_sim(a: str, b: str) -> float:
    """The pair similarity as the neighbours module defines it."""
    d = edit_distance(a, b)
    dc = edit_distance(consonants(a), consonants(b))
    dk = edit_distance(skeleton_of_code(a), skeleton_of_code(b))
    cost = VOWEL_COST * max(d - dc, 0) + SWAP_COST * max(dc - dk, 0) + dk
    return max(0.0, SAME_CODE - cost / (0.5 * max(len(a), len(b)) + 1.0))


NAMES = [
    "tsikhanouskaya",
    "tikhanovskaya",
    "tichanowskaja",
    "lukashenka",
    "loukachenko",
    "lukaschenko",
    "alyaksandr",
    "oleksandr",
    "aleksandr",
    "ryhoravich",
    "hryhoryavich",
    "grigorievich",
    "abdulrahman",
    "abdelrahman",
    "mohammed",
    "muhammad",
    "zomor",
    "alzomor",
    "elzomor",
    "tahini",
    "thini",
    "ab",
]


def _readings(part: str) -> list[tuple[str, bool]]:
    """A part's spelling codes, then those of the part without a fused article."""
    found = [(c, False) for c in codes(part)]
    if part.startswith(("al", "el")) and len(part) >= 5:
        found += [(c, True) for c in codes(part[2:])]
    return found


def expected_neighbours(part: str, table: list[str]) -> list[tuple[str, float, str]]:
    """The neighbours of a part among table parts (no equivalences: none of these is in
    a group here), straight from the definitions: every reading of each side, an
    article off one side only when the other has none, best per table part."""
    best: dict[str, tuple[float, str]] = {}
    fused = part.startswith(("al", "el"))
    for other in table:
        other_fused = other.startswith(("al", "el"))
        for row_code, row_bare in _readings(other):
            for code, bare in _readings(part):
                sim = python_sim(code, row_code)
                plain = sim if not bare and not row_bare else 0.0
                takes_off = (bare and not row_bare and not other_fused) or (
                    not bare and row_bare and not fused
                )
                article = sim * SAME_CODE if takes_off else 0.0
                value = max(plain, article)
                rule = (
                    "article" if article > plain else "spelling" if value >= SAME_CODE else "edit"
                )
                if value >= MIN_PART and (other not in best or value > best[other][0]):
                    best[other] = (value, rule)
    return sorted(((t, s, r) for t, (s, r) in best.items()), key=lambda x: (-x[1], x[0]))


def _rows(
    data: PartCodes,
    block_rows: array[int],
    slots: array[int] | None = None,
    vowel_cost: float = VOWEL_COST,
) -> Rows:
    """The kernel's rows of table parts that belong to no given-name or patronymic
    group, with ``block_rows`` as the rows of one blocking key ("x")."""
    parts = len(data.fused)
    one_key = KeyIndex.of([("x", 0)])
    tables = letter_tables()
    assert tables is not None
    return Rows(
        data.codes.blob,
        data.codes.offsets,
        data.consonants.blob,
        data.consonants.offsets,
        data.skeletons.blob,
        data.skeletons.offsets,
        data.owner,
        data.stripped,
        data.fused,
        array("q", [-1]) * parts,
        array("q", [-1]) * parts,
        block_rows,
        one_key.keys.blob,
        one_key.keys.offsets,
        one_key.values,
        one_key.slots if slots is None else slots,
        array("Q", [0, len(block_rows)]),
        *tables,
        MIN_PART,
        vowel_cost,
        SWAP_COST,
        SAME_CODE,
        GROUP,
        SHORT_FORM,
    )


def test_neighbours_match_their_definition() -> None:
    """Rows.near against a plain reading of the rules, every table row a candidate."""
    table = sorted(set(NAMES) - {"mohammed", "muhammad", "alyaksandr", "oleksandr", "aleksandr"})
    data = build(table)
    rows = _rows(data, array("q", range(len(data.owner))))  # every row under one key
    compared = 0
    rules_met = set()
    for part in NAMES:
        readings = _readings(part)
        spans = array("q")
        for number in range(len(readings)):
            spans.extend((number, 0, len(data.owner)))
        found = Near(
            rows.near(
                tuple(c.encode() for c, _ in readings),
                bytes(b for _, b in readings),
                part.startswith(("al", "el")),
                -1,
                -1,
                -1,
                spans,
                array("q"),
                array("q"),
            ),
            -1,
        )
        got = [(table[n], s, r) for n, s, r in found.best_first()]
        want = expected_neighbours(part, table)
        assert [(t, r) for t, _, r in got] == [(t, r) for t, _, r in want], part
        assert [s for _, s, _ in got] == pytest.approx([s for _, s, _ in want], abs=1e-12), part
        assert found.parts.tolist() == sorted(found.parts.tolist())  # by part number
        compared += len(got)
        rules_met |= {(part, t, r) for t, _, r in got}
    assert compared > 30
    # the article rule was exercised: Alzomor meets Zomor without its al-
    assert ("alzomor", "zomor", "article") in rules_met


def test_rows_reject_inconsistent_input() -> None:
    """A bad span or part number is an error, not a read past the end of an array."""
    data = build(["ab", "abc"])
    with pytest.raises(ValueError):
        _rows(data, array("q", [0, 99]))  # a block row out of range
    rows = _rows(data, array("q", range(len(data.owner))))
    query = ((b"ab",), b"\0", False, -1, -1, -1)
    with pytest.raises(ValueError):
        rows.near(*query, array("q", [0, 0, 99]), array("q"), array("q"))
    with pytest.raises(IndexError):
        rows.near(*query, array("q"), array("q", [7]), array("q"))
    with pytest.raises(ValueError):  # codes are ASCII
        rows.near(("é".encode(),), b"\0", False, -1, -1, -1, array("q"), array("q"), array("q"))
    rest = (array("q"), array("q"), array("q"))
    for bad in (
        (list(query[0]), *query[1:], *rest),  # the codes are a tuple
        (*query[:3], -1.5, *query[4:], *rest),  # a part number is an integer
        (query[0], "\0", *query[2:], *rest),  # the bare flags are bytes, not text
        (*query, *rest[:2]),  # nine arguments
    ):
        with pytest.raises(TypeError):
            rows.near(*bad)
    with pytest.raises(TypeError):
        rows.near(*query, *rest, extra=1)  # type: ignore[call-arg]  # positional only
    with pytest.raises(ValueError):
        rows.spans(("é".encode(),))  # codes are ASCII
    with pytest.raises(ValueError):
        rows.spans((b"",))
    with pytest.raises(ValueError):  # the early bounds need costs that are not negative
        _rows(data, array("q", range(len(data.owner))), vowel_cost=-0.1)
    with pytest.raises(ValueError):  # a hash table with no empty slot would never stop
        _rows(data, array("q", range(len(data.owner))), slots=array("q", [0]))


# Parts that meet NAMES' blocking keys, and some that miss them all.
query_parts = st.sampled_from(NAMES) | st.text(
    alphabet="aeiouklmnrshtdzcgy", min_size=2, max_size=12
)


@settings(max_examples=1500, deadline=None)
@given(query_parts)
def test_spans_are_the_rows_of_the_blocking_keys(part: str) -> None:
    """Rows.spans finds, for each reading, the rows under the keys of
    phonetic.code_probe_keys, as the Python look-up of each key does (same spans,
    same order), including short keys qualified by the first letter's class."""
    table = sorted(set(NAMES) | {"ab", "ba", "aza", "kaz", "akz", "ivanov", "iv"})
    neighbours = Neighbours(build(table), part_numbers(table))
    readings = codes(part)
    got = array("q", neighbours._rows.spans(tuple(c.encode() for c in readings)))
    want = array("q")
    for number, code in enumerate(readings):
        for start, end in neighbours._spans_of(code):
            want.extend((number, start, end))
    assert got == want


@settings(max_examples=500, deadline=None)
@given(query_parts)
def test_near_finds_its_own_spans_when_given_none(part: str) -> None:
    """Rows.near with spans=None gives what it gives with the spans of Rows.spans."""
    table = sorted(set(NAMES) | {"ab", "ba", "aza", "kaz", "akz", "ivanov", "iv"})
    neighbours = Neighbours(build(table), part_numbers(table))
    rows = neighbours._rows
    readings = tuple(c.encode() for c in codes(part))
    query = (readings, bytes(len(readings)), False, -1, -1, -1)
    rest = (array("q"), array("q"))
    assert rows.near(*query, None, *rest) == rows.near(*query, rows.spans(readings), *rest)
    with pytest.raises(ValueError):  # the spans' own checks still apply
        rows.near((b"",), b"\0", False, -1, -1, -1, None, *rest)
