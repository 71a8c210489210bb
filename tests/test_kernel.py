"""The compiled kernel agrees with a plain reference: Levenshtein by dynamic programming,
and the pair similarity written out from its definition in namenorm.neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from namenorm._kernel import code_sims, levenshtein
from namenorm.neighbours import SAME_CODE, SWAP_COST, VOWEL_COST, _packed
from namenorm.phonetic import codes, consonants, skeleton_of_code

# Few letters, so that strings share many and the distances are not all "everything".
letters = st.text(alphabet="abcSHz", max_size=80)


def reference(a: str, b: str) -> int:
    """Levenshtein distance, the textbook way."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


@settings(max_examples=3000, deadline=None)
@given(letters, letters)
def test_levenshtein_matches_the_textbook_distance(a: str, b: str) -> None:
    """Short and long strings alike (the bit-parallel path stops at 64 letters)."""
    assert levenshtein(a.encode(), b.encode()) == reference(a, b)


def test_levenshtein_at_the_64_letter_boundary() -> None:
    """Patterns of 63, 64 and 65 letters take both paths and agree with the reference."""
    for m in (63, 64, 65):
        a = ("ab" * 40)[:m]
        for b in (a, a[1:], "b" + a, a[:-1] + "z", "z" * 70, ""):
            assert levenshtein(a.encode(), b.encode()) == reference(a, b)


def python_sim(a: str, b: str) -> float:
    """The pair similarity as the neighbours module defines it."""
    d = reference(a, b)
    dc = reference(consonants(a), consonants(b))
    dk = reference(skeleton_of_code(a), skeleton_of_code(b))
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
    "tahini",
    "thini",
    "a",
    "ab",
]


def test_code_sims_matches_its_definition() -> None:
    """Every pair of real name codes, in an order that switches query codes often."""
    all_codes = sorted({c for n in NAMES for c in codes(n)})
    query_at = np.repeat(np.arange(len(all_codes), dtype=np.int64), len(all_codes))
    table_at = np.tile(np.arange(len(all_codes), dtype=np.int64), len(all_codes))
    # shuffled rows: the kernel must not assume anything about their order
    rng = np.random.default_rng(7)
    order = rng.permutation(len(query_at))
    query_at, table_at = query_at[order].copy(), table_at[order].copy()
    out = np.empty(len(query_at))
    side = (
        *_packed(all_codes),
        *_packed([consonants(c) for c in all_codes]),
        *_packed([skeleton_of_code(c) for c in all_codes]),
    )
    code_sims(*side, *side, query_at, table_at, out, VOWEL_COST, SWAP_COST, SAME_CODE)
    expected = [
        python_sim(all_codes[q], all_codes[t]) for q, t in zip(query_at, table_at, strict=True)
    ]
    assert out.tolist() == pytest.approx(expected, abs=1e-12)
    assert max(out) == SAME_CODE  # a code against itself
    assert min(out) == 0.0  # very different codes are floored at zero


def test_code_sims_rejects_pairs_out_of_range() -> None:
    """A bad row number is an IndexError, not a read past the end of the blob."""
    side = (*_packed(["ab"]), *_packed(["b"]), *_packed(["b"]))
    out = np.empty(1)
    with pytest.raises(IndexError):
        code_sims(*side, *side, np.array([0]), np.array([1]), out, VOWEL_COST, SWAP_COST, SAME_CODE)
    with pytest.raises(ValueError):
        code_sims(
            *side,
            *side,
            np.array([0]),
            np.array([0]),
            np.empty(1, np.float32),
            VOWEL_COST,
            SWAP_COST,
            SAME_CODE,
        )
