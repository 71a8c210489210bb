"""Case forms of names: every sample of data/inflection.yaml is a test."""

from __future__ import annotations

import pytest

from namenorm.inflection import case_forms, inflection, nominatives
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


@pytest.mark.parametrize(("form", "nominative"), inflection().given_samples)
def test_given_sample(form: str, nominative: str) -> None:
    """A given name in a case form leads back to its nominative."""
    assert nominative in nominatives(form)


@pytest.mark.parametrize(
    ("query", "entity"),
    [
        ("Аляксандра Лукашэнкі", "alyaksandr-lukashenka"),  # genitive, not Alexandra
        ("Аляксандрам Лукашэнкам", "alyaksandr-lukashenka"),
        ("Віктару Лукашэнку", "viktar-lukashenka"),  # the namesake, by his given name
        ("ЛУКАШЭНКІ, Аляксандра", "alyaksandr-lukashenka"),
        ("Светланы Тихановской", "svyatlana-tsikhanouskaya"),
    ],
)
def test_a_full_name_in_a_case_form_resolves(tiny: Resolver, query: str, entity: str) -> None:
    """The surname's case form alone is shared by namesakes; the given name, in the
    same case, tells them apart."""
    assert tiny.resolve("Лукашэнкам").match is None  # two Lukashenkas: ambiguous
    match = tiny.lookup(query)
    assert match is not None and match.id == entity, query
    assert match.rule == "inflected-name" and match.score == 0.9
    assert match.explain().startswith(f"{query!r}, case form of ")
    assert "via key" not in match.explain()  # read word by word, no key is shared


@pytest.mark.parametrize(
    "query",
    [
        "Александра Лукашенко",  # an indeclinable surname: Alexandra, or Alexander's genitive
        "Дзмітрыя Лукашэнкі",  # a given name neither Lukashenka has
        "Аляксандра Лукашэнка",  # the surname in the nominative: Alexandra Lukashenka
    ],
)
def test_no_case_form_without_agreement(tiny: Resolver, query: str) -> None:
    """Only a surname in a case form makes the given name next to it one too."""
    result = tiny.resolve(query)
    assert result.match is None or result.match.rule != "inflected-name", result.match
