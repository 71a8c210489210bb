"""Transliteration schemes: every sample in a scheme's data file is a test."""

from __future__ import annotations

import pytest

from namenorm.translit import scheme_for, schemes, transliterator

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
