"""Transliteration schemes: every sample in a scheme's data file is a test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from namenorm.translit import (
    DEFAULT_SCHEME,
    _reveals,
    has_cyrillic,
    scheme_for,
    schemes,
    transliterator,
)

CASES = [
    pytest.param(scheme.id, source, expected, id=f"{scheme.id}:{source}")
    for scheme in schemes().values()
    for source, expected in scheme.samples
]


def test_every_scheme_has_samples() -> None:
    assert set(schemes()) >= {"be", "ru", "uk"}
    for scheme in schemes().values():
        assert len(scheme.samples) >= 30, scheme.id


@pytest.mark.parametrize(("scheme", "source", "expected"), CASES)
def test_sample(scheme: str, source: str, expected: str) -> None:
    assert transliterator(scheme).transliterate(source.casefold()) == expected


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("лукашэнка", "ru"),  # no revealing letter
        ("ціханоўская", "be"),
        ("київ", "uk"),
        ("вінниця", "uk"),  # і with и: Belarusian has no и
        ("минск", "ru"),
        ("lukashenka", "any"),
        ("λουκασένκο", "any"),
    ],
)
def test_scheme_for(text: str, scheme: str) -> None:
    assert scheme_for(text) == scheme


def test_language_tag_wins_over_letters() -> None:
    assert scheme_for("гомель", "be") == "be"
    assert scheme_for("гомель", "xx") == "ru"


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяіўїєґ ", min_size=1))
def test_a_cyrillic_name_without_revealing_letters_is_in_the_default_scheme(text: str) -> None:
    """scheme_for() tells most names by one search for a revealing letter; a name
    with one reads as before, by its letters."""
    revealing = {c for _, letters in _reveals() for c in letters}
    if has_cyrillic(text) and not revealing & set(text):
        assert scheme_for(text) == DEFAULT_SCHEME
    elif has_cyrillic(text):
        assert scheme_for(text) in {scheme for scheme, _ in _reveals()}
