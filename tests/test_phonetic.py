"""Phonetic rules (data/phonetic.yaml): every sample in the file is a test."""

from __future__ import annotations

import pytest

from namenorm.phonetic import block_keys, codes, probe_keys, rules, skeletons

SAMPLES = rules().samples


@pytest.mark.parametrize(("a", "b"), SAMPLES["same"], ids=[f"{a}~{b}" for a, b in SAMPLES["same"]])
def test_same_skeleton(a: str, b: str) -> None:
    assert set(skeletons(a)) & set(skeletons(b)), (skeletons(a), skeletons(b))


@pytest.mark.parametrize(
    ("a", "b"), SAMPLES["spelled"], ids=[f"{a}={b}" for a, b in SAMPLES["spelled"]]
)
def test_same_spelling_code(a: str, b: str) -> None:
    assert set(codes(a)) & set(codes(b)), (codes(a), codes(b))


@pytest.mark.parametrize(
    ("a", "b"), SAMPLES["different"], ids=[f"{a}!{b}" for a, b in SAMPLES["different"]]
)
def test_different_skeleton(a: str, b: str) -> None:
    assert not set(skeletons(a)) & set(skeletons(b)), (skeletons(a), skeletons(b))


def test_every_kind_has_samples() -> None:
    assert len(SAMPLES["same"]) >= 20
    assert len(SAMPLES["spelled"]) >= 5
    assert len(SAMPLES["different"]) >= 5


@pytest.mark.parametrize(
    ("query", "table"),
    [("lukaschenko", "lukashenko"), ("mawwaz", "mawas"), ("dagmush", "damush")],
)
def test_one_consonant_apart_still_meets(query: str, table: str) -> None:
    """A query part's probe keys reach a table part at most one consonant edit away."""
    assert set(probe_keys(query)) & set(block_keys(table))
