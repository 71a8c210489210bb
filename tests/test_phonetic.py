"""Phonetic rules (data/phonetic.yaml): every sample in the file is a test."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from namenorm import phonetic
from namenorm._kernel import Speller
from namenorm.phonetic import (
    Unsupported,
    _consonants,
    block_keys,
    codes,
    codes_by_regex,
    consonants,
    probe_keys,
    program,
    reading_codes,
    rules,
    skeleton_of_code,
    skeletons,
    speller,
    spelling,
    spelling_by_regex,
    triggers,
)

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


# --- the rules compiled into the kernel ---------------------------------------------

# Parts rich in the letters the rules look for, so that random ones meet most rules
# (the Abd al- joint, -sky endings, a final h after a vowel...).
parts_for_rules = st.text(alphabet="abdehijklouqrstyzcHS", min_size=0, max_size=12) | st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(["abd", "abol", "ab", "c", "j", "h", "sk", "ts", "sch", "dzh"]),
    st.text(alphabet="aeiouyjlrhsktc", max_size=9),
)


def test_the_data_files_rules_all_compile() -> None:
    """Every rule of data/phonetic.yaml is of a shape the kernel runs: none is left
    to the (slower) Python regexes."""
    assert speller() is not None


@settings(max_examples=2000, deadline=None)
@given(parts_for_rules)
def test_each_compiled_rule_does_what_its_regex_does(part: str) -> None:
    """Applied alone, each compiled rule rewrites a part exactly as re.sub does."""
    compiled = speller()
    assert compiled is not None
    for number, (pattern, replacement, _) in enumerate(rules().spelling):
        assert compiled.apply(number, part.encode()).decode() == pattern.sub(replacement, part)
    for number, (pattern, replacement, _) in enumerate(rules().alternatives):
        got = compiled.apply(-1 - number, part.encode()).decode()
        assert got == pattern.sub(replacement, part), pattern.pattern


@settings(max_examples=1000, deadline=None)
@given(parts_for_rules.filter(bool))
def test_compiled_codes_are_the_regex_codes(part: str) -> None:
    """codes() and spelling() (compiled) agree with their regex references, and so do
    the consonants and skeletons of every code."""
    assert codes(part) == codes_by_regex(part)
    assert spelling(part) == spelling_by_regex(part)
    for code in codes(part):
        assert skeleton_of_code(code) == _consonants(code, rules().classes)
        assert consonants(code) == _consonants(code, {})


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(?<=[aeiou])h$", "ahah"),
        ("^ab[ou]l(?=[b-df-hj-np-tv-z])", "abulfazl"),
        ("^abd(?:ul|el|al|[aeiou])(?=[b-df-hj-np-tv-z])", "abdurrahman abdelkader"),
        ("(?<![aeiou])x(?!y)", "axe bxy bxz x"),
        ("(?<=[a-z]{3})of$", "of ivanof"),
        ("(?<=sk)(iy|yi|y)$", "skiy sky ky"),
        ("(?<=[a-zA-Z][^aeiou])y$", "dmitry ay"),
        ("dzh|dsch|dj", "dzhdschdjd"),
    ],
)
def test_a_program_runs_its_pattern(pattern: str, text: str) -> None:
    """The shapes program() compiles, each on a text where it matches (and one where it
    does not): the kernel's substitution is the regex's."""
    compiled = Speller(program([(pattern, "<>")]), program([]), bytes(range(128)), bytes(128))
    assert compiled.apply(0, text.encode()).decode() == re.sub(pattern, "<>", text)


@pytest.mark.parametrize(
    "pattern", ["a+", "a*b", ".x", r"\d", "(a)\\1", "[a-z", "a{2,3}", "(?i)a", "(?<=a|bc)x", "é"]
)
def test_program_refuses_shapes_it_does_not_know(pattern: str) -> None:
    """A pattern of another shape is refused, not run wrongly."""
    with pytest.raises(Unsupported):
        program([(pattern, "x")])


def test_an_unknown_shape_falls_back_to_regexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a rule the kernel cannot run, speller() is None and codes still come, from
    the regexes."""
    real = rules()
    patched = real._replace(spelling=(*real.spelling, (re.compile("z+"), "z", frozenset("z"))))
    monkeypatch.setattr(phonetic, "rules", lambda: patched)
    phonetic.speller.cache_clear()
    try:
        assert phonetic.speller() is None
        assert phonetic.spelling.__wrapped__("lukaschenko") == "lukaSenko"
    finally:
        monkeypatch.undo()
        phonetic.speller.cache_clear()
    assert phonetic.speller() is not None


def test_a_malformed_program_is_refused() -> None:
    """The kernel checks a program's lengths instead of reading past its end."""
    good = program([("ab", "x")])
    for bad in (good[:-1], good + b"\x01", b"\x00\x00"):
        with pytest.raises(ValueError):
            Speller(bad, b"", bytes(range(128)), bytes(128))
    with pytest.raises(ValueError):
        Speller(good, b"", bytes(range(127)), bytes(128))
    compiled = Speller(good, b"", bytes(range(128)), bytes(128))
    with pytest.raises(ValueError):
        compiled.spelling("é".encode())


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """The data file's spelling program with a few bytes changed, or cut short."""
    good = bytearray(program([(p.pattern, r) for p, r, _ in rules().spelling]))
    for _ in range(draw(st.integers(1, 4))):
        good[draw(st.integers(0, len(good) - 1))] = draw(st.integers(0, 255))
    return bytes(good[: draw(st.integers(0, len(good)))] if draw(st.booleans()) else good)


programs = st.binary(max_size=120) | _mutated()


@settings(max_examples=3000, deadline=None)
@given(programs, st.binary(max_size=12))
def test_any_program_is_read_safely(program_bytes: bytes, part: bytes) -> None:
    """The kernel reads a program's lengths before it trusts them: any bytes either
    make a Speller or raise ValueError, and a Speller made from them runs on any
    ASCII part (no read past the end of the program or of the part)."""
    try:
        compiled = Speller(program_bytes, b"", bytes(range(128)), bytes(128))
    except ValueError:
        return
    text = bytes(b & 0x7F for b in part)
    assert isinstance(compiled.spelling(text), bytes)
    assert all(isinstance(code, bytes) for code in compiled.codes(text))


@given(st.text(alphabet="abcdeghijklmnoprstuvyzkhshch", min_size=1, max_size=14) | st.text())
def test_reading_codes_are_the_codes_as_bytes(part: str) -> None:
    """The kernel's readings of a part are its spelling codes, in order, as bytes."""
    assert reading_codes(part) == tuple(c.encode() for c in codes(part))
