"""Phonetic rules (data/phonetic.yaml): every sample in the file is a test."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from namenorm.phonetic import block_keys, codes, probe_keys, rules, skeletons, triggers

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


# Parts as the rules see them: folded letters, and the H a rule leaves for the last one.
parts_seen = st.text(alphabet="abcdefghijklmnopqrstuvwxyzH", min_size=1, max_size=14)


@settings(max_examples=3000, deadline=None)
@given(parts_seen)
def test_a_rule_is_skipped_only_when_it_could_not_apply(part: str) -> None:
    """spelling() skips a rule when the part has none of the letters its matches start
    with; the rule would then have changed nothing."""
    for pattern, replacement, letters in rules().spelling + rules().alternatives:
        if letters is not None and letters.isdisjoint(part):
            assert pattern.sub(replacement, part) == part, pattern.pattern


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(?<=[aeiou])h$", {"h"}),
        ("tsch|tch|cz", {"t", "c"}),
        ("(?<=[a-zA-Z])[ji](?=[aeou])", {"j", "i"}),
        ("(iy|yi|y)$", {"i", "y"}),
        ("a*b", None),  # the first letter may be absent
        ("[^a]b", None),  # a negated class: anything may start it
        (".x", None),
        ("(a)(b)", None),
        ("^ab[ou]l(?=[b-d])", {"a"}),
    ],
)
def test_the_letters_a_rule_starts_with(pattern: str, expected: set[str] | None) -> None:
    assert triggers(pattern) == (None if expected is None else frozenset(expected))


def test_the_rules_letters_are_read() -> None:
    """The spelling rules in the data file are all of the kinds triggers() reads, and
    so is all but the Abd al- joint among the alternatives (a rule that is not runs on
    every part: slower, still right)."""
    assert all(letters is not None for _, _, letters in rules().spelling)
    unread = [p.pattern for p, _, letters in rules().alternatives if letters is None]
    assert len(unread) == 1 and unread[0].startswith("^abd"), unread
