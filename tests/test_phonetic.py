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


@pytest.mark.parametrize(
    ("query", "table"),
    [("ivanovic", "ivanovich"), ("hamadou", "amadou"), ("salbi", "salibi")],
)
def test_short_keys_still_meet_when_the_initials_agree(query: str, table: str) -> None:
    """A one- or two-letter edit key carries the initial's class; spellings of one
    name still share one (a deleted first consonant hands over to the next letter)."""
    assert set(probe_keys(query)) & set(block_keys(table))


def test_short_keys_keep_different_initials_apart() -> None:
    """Omar and Musa share a consonant of two but start differently (a vowel, an m):
    their short keys differ, so they are never compared."""
    assert not set(probe_keys("omar")) & set(block_keys("musa"))
    assert {k.split("|")[0] for k in probe_keys("omar")} & {
        k.split("|")[0] for k in block_keys("musa")
    }


def test_every_short_edit_key_is_qualified() -> None:
    for part in ("omar", "ivanov", "lukashenko", "ali", "hassan"):
        for key in probe_keys(part) + block_keys(part):
            bare = key.removeprefix("~").split("|")[0]
            if len(bare) <= 2 and (key.startswith("~") or len(bare) < len(skeletons(part)[0])):
                assert "|" in key, (part, key)
