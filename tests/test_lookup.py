"""Lookup: listed spellings in any script and order, derived short forms, ambiguity."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from namenorm.keys import split_person
from namenorm.resolver import Resolver
from namenorm.score import written
from namenorm.table import load_tables


@pytest.mark.parametrize(
    ("query", "entity", "rule"),
    [
        ("Alexander Lukashenko", "alyaksandr-lukashenka", "listed"),
        ("LUKASHENKO, Alexander", "alyaksandr-lukashenka", "listed"),
        ("Лукашенко Александр", "alyaksandr-lukashenka", "listed"),
        ("  alexandre   loukachenko ", "alyaksandr-lukashenka", "listed"),
        ("Святлана Ціханоўская", "svyatlana-tsikhanouskaya", "listed"),
        ("Tsikhanouskaya", "svyatlana-tsikhanouskaya", "surname"),
        ("S. Tikhanovskaya", "svyatlana-tsikhanouskaya", "initials"),
        ("Tikhanovskaya S.", "svyatlana-tsikhanouskaya", "initials"),
        ("von der Leyen", "ursula-von-der-leyen", "surname"),
        ("Гродно", "hrodna", "listed"),
    ],
)
def test_resolves(tiny: Resolver, query: str, entity: str, rule: str) -> None:
    match = tiny.lookup(query)
    assert match is not None, query
    assert (match.id, match.rule) == (entity, rule)
    assert 0 < match.score <= 1


def test_listed_scores_above_derived(tiny: Resolver) -> None:
    listed = tiny.lookup("Svetlana Tikhanovskaya")
    surname = tiny.lookup("Tikhanovskaya")
    assert listed is not None and surname is not None
    assert listed.score == 1.0 > surname.score


def test_shared_surname_is_ambiguous_not_guessed(tiny: Resolver) -> None:
    result = tiny.resolve("Lukashenko")
    assert result.match is None
    assert {m.id for m in result.ambiguous} == {"alyaksandr-lukashenka", "viktar-lukashenka"}


def test_namesakes_stay_apart(tiny: Resolver) -> None:
    a = tiny.lookup("Alexander Lukashenko")
    v = tiny.lookup("Viktor Lukashenko")
    assert a is not None and v is not None and a.id != v.id


@pytest.mark.parametrize("query", ["", "Lukashenkov", "Minskaya", "Alexander", "Putin"])
def test_no_match(tiny: Resolver, query: str) -> None:
    assert tiny.lookup(query) is None


def test_explanation_names_spelling_key_and_rule(tiny: Resolver) -> None:
    match = tiny.lookup("TIKHANOVSKAYA, Svetlana")
    assert match is not None
    text = match.explain()
    assert "'Svetlana Tikhanovskaya'" in text
    assert "'svetlana tikhanovskaya'" in text
    assert "listed" in text


@pytest.mark.parametrize(
    ("name", "given", "surname"),
    [
        ("Alyaksandr Lukashenka", ("Alyaksandr",), "Lukashenka"),
        ("LUKASHENKA, Alyaksandr Ryhoravich", ("Alyaksandr", "Ryhoravich"), "Lukashenka"),
        ("Лукашенко Александр Григорьевич", ("Александр", "Григорьевич"), "Лукашенко"),
        ("Mikalai Viktaravich Statkevich", ("Mikalai", "Viktaravich"), "Statkevich"),
        ("Ursula von der Leyen", ("Ursula",), "von der Leyen"),
    ],
)
def test_split_person(name: str, given: tuple[str, ...], surname: str) -> None:
    person = split_person(name)
    assert person is not None
    assert (person.given, person.surname) == (given, surname)


def test_every_bundled_spelling_resolves_to_its_own_entity(bundled: Resolver) -> None:
    table = load_tables()
    wrong = []
    for entity in table.entities:
        for spelling in entity.spellings:
            match = bundled.lookup(spelling.text)
            if match is None or match.id != entity.id:
                wrong.append((spelling.text, entity.id, match.id if match else None))
    assert wrong == []


def test_every_bundled_style_spelling_resolves(bundled: Resolver) -> None:
    for entity in load_tables().entities:
        for style, spelling in entity.styles.items():
            match = bundled.lookup(spelling)
            assert match is not None and match.id == entity.id, (style, spelling)


def _in_a_fresh_process(code: str) -> str:
    """What a fresh Python process running ``code`` prints (it must succeed): for what
    one process loads, which a test's own process has long since loaded."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_fuzzy_lookup_does_not_import_numpy() -> None:
    """numpy (a sixth of a second to import) serves only the Python reference
    readings: a process that loads everything and looks up an unlisted spelling, the
    fuzzy way, never imports it."""
    code = (
        "import sys\n"
        "from namenorm.resolver import Resolver\n"
        "r = Resolver.from_tables()\n"
        "r.prepare()\n"
        "m = r.resolve('Sviatlana Tsikhanouskaia').match\n"
        "assert m is not None and m.rule == 'fuzzy', m\n"
        "print('numpy' in sys.modules)\n"
    )
    assert _in_a_fresh_process(code) == "False"


def test_prepare_builds_what_the_first_names_would() -> None:
    """After prepare(), a batch pays for its own names only: a fresh process that
    prepares, then folds a mixed-script and a revealing name and reads a case form,
    builds none of the lazy tables on the way."""
    code = (
        "from namenorm import fold, inflection, translit\n"
        "from namenorm.resolver import Resolver\n"
        "Resolver.from_tables().prepare()\n"
        "lazies = (fold._confusables, translit._revealing, inflection.inflection)\n"
        "before = [f.cache_info().misses for f in lazies]\n"
        "assert fold.fold('Luk\\u0430shenko') == ('lukashenko',)\n"
        "fold.fold('Алесь Бяляцкі')\n"  # і reveals Belarusian
        "inflection.nominatives('Аляксандра')\n"
        "after = [f.cache_info().misses for f in lazies]\n"
        "print(before == after)\n"
    )
    assert _in_a_fresh_process(code) == "True"


@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=20))
def test_written_scores_read_as_formatted_ones(scores: list[float]) -> None:
    """score.written (remembered) writes every score as format() does, the first time
    and when a score comes again."""
    for spec in (".2f", ".3f"):
        for score in scores + scores:
            assert written(score, spec) == format(score, spec)
