"""Case forms of surnames: every sample of data/inflection.yaml is a test."""

from __future__ import annotations

import pytest

from namenorm.inflection import case_forms, inflection
from namenorm.resolver import Resolver


@pytest.mark.parametrize(("form", "nominative", "lang"), inflection().samples)
def test_sample(form: str, nominative: str, lang: str) -> None:
    assert form in case_forms(nominative, lang)


@pytest.mark.parametrize("surname", inflection().indeclinable)
def test_indeclinable(surname: str) -> None:
    assert case_forms(surname) == ()
    assert case_forms(surname, "pl") == ()


def test_capitals_kept() -> None:
    assert case_forms("ТИХАНОВСКАЯ", "ru") == ("ТИХАНОВСКОЙ", "ТИХАНОВСКУЮ")


def test_case_forms_resolve_and_are_recognised_in_text(tiny: Resolver) -> None:
    match = tiny.lookup("Тихановской")
    assert match is not None and match.id == "svyatlana-tsikhanouskaya"
    assert match.rule == "inflected"
    (mention,) = tiny.mentions("встреча с Тихановской.")
    assert mention.id == "svyatlana-tsikhanouskaya" and mention.replacement is None
    text = "встреча с Ціханоўскай і Тихановской."
    assert tiny.rewrite(text) == text
