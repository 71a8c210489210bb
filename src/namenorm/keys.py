"""Keys and surface forms: what an entity can be found by, in a lookup and in text.

From each entity this module derives two things, both from the same spellings:
*keys* (folded, order-free strings a lookup meets exactly) and *forms* (the
spellings as they would be written in running text, which the text scanner looks
for). Persons also get derived short forms from their full names: the surname alone
("Lukashenka"), initial plus surname ("A. Lukashenka"), and the case forms of a
Cyrillic or Polish surname ("Лукашэнку").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

from namenorm.cache import data_file
from namenorm.fold import fold, key
from namenorm.inflection import case_forms, nominatives
from namenorm.table import Entity, Spelling

LISTED = "listed"
"""A spelling the table lists (the canonical one included)."""
SHORT = "short"
"""A short form the table lists explicitly: house-approved, resolved, left as written."""
INITIALS = "initials"
"""Derived: initial(s) of the given name(s) plus the surname."""
SURNAME = "surname"
"""Derived: the surname alone."""

INFLECTED = "inflected"
"""Derived: a case form of a Cyrillic or Polish surname (Тихановской); never rewritten."""

RULES = (LISTED, SHORT, INITIALS, SURNAME, INFLECTED)
"""Every way an entity is reached by an exact key, strongest first."""

INFLECTED_NAME = "inflected-name"
"""A full name in a case form (Аляксандра Лукашэнкі): its surname a case form of a
person's surname, its given names case forms of that person's given names. Found
when a lookup reaches no key, never rewritten."""

FULL = "full"
"""The shape of a full name (as opposed to SURNAME or INITIALS): what a rewrite writes."""


class NameStructure(NamedTuple):
    """Words that shape a personal name: particles joined to a surname, patronymic endings."""

    particles: frozenset[str]
    patronymic_endings: tuple[str, ...]
    articles: frozenset[str]
    """Dropped from both sides by fuzzy matching."""
    compound_heads: frozenset[str]
    """Joined to the part after them (Abdul Rahman = Abdulrahman)."""
    compound_tails: frozenset[str]
    """Joined to the part before them (Salah ad-Din)."""
    fused_articles: tuple[str, ...]
    """May be fused to the front of a part (Alzomor ~ Zomor)."""
    short_form_tails: tuple[str, ...]
    """A compound given name may be written without them (Nematollah ~ Nemat)."""
    titles: frozenset[str]
    """Dropped from both sides by fuzzy matching (Dr, Sheikh, Haji)."""
    nasab: frozenset[str]
    """Say "son of" before a father's name (bin, ben, ibn)."""
    joining: frozenset[str]
    """Articles and compound heads and tails: a name with none of them keeps its
    tokens as its fuzzy parts, which one set test tells."""


@lru_cache(maxsize=1)
def structure() -> NameStructure:
    """Read ``data/name_structure.yaml`` once."""
    raw = data_file("name_structure.yaml")
    articles = frozenset(str(a) for a in raw["articles"])
    heads = frozenset(str(h) for h in raw["compound_heads"])
    tails = frozenset(str(t) for t in raw["compound_tails"])
    return NameStructure(
        frozenset(str(p) for p in raw["particles"]),
        tuple(str(e) for e in raw["patronymic_endings"]),
        articles,
        heads,
        tails,
        tuple(str(a) for a in raw["fused_articles"]),
        tuple(str(t) for t in raw["short_form_tails"]),
        frozenset(str(t) for t in raw["titles"]),
        frozenset(str(t) for t in raw["nasab"]),
        articles | heads | tails,
    )


class PersonName(NamedTuple):
    """A person's name split into given names (with any patronymic) and surname, as written."""

    given: tuple[str, ...]
    surname: str

    def initials(self) -> str:
        """The first given name's initial with a full stop, e.g. "A."."""
        return f"{self.given[0][0].upper()}." if self.given else ""


def _is_patronymic(word: str) -> bool:
    folded = "".join(fold(word))
    return folded.endswith(structure().patronymic_endings)


@lru_cache(maxsize=1 << 16)
def split_person(text: str) -> PersonName | None:
    """Split a person's full name into given names and surname; None for one word.

    "LUKASHENKA, Alyaksandr" puts the surname first; so does the official Slavic order
    "Лукашенко Александр Григорьевич", recognised by a closing patronymic when the
    second word is not one ("Mikalai Viktaravich Statkevich" is in natural order).
    Particles ("von der", "al") stay with the surname.
    """
    if "," in text:
        head, _, tail = text.partition(",")
        surname_words, given = head.split(), tail.split()
        if not surname_words or not given:
            return None
        return PersonName(tuple(given), _natural_case(" ".join(surname_words)))
    words = text.split()
    if len(words) < 2:
        return None
    if len(words) >= 3 and _is_patronymic(words[-1]) and not _is_patronymic(words[1]):
        return PersonName(tuple(words[1:]), words[0])
    particles = structure().particles
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in particles:
        cut -= 1
    return PersonName(tuple(words[:cut]), " ".join(words[cut:]))


def _natural_case(word: str) -> str:
    """ "AL-ZOMOR" -> "Al-Zomor": list-style capitals back to the case of running text."""
    if word.isupper() and len(word) > 1:
        return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word)
    return word


def in_case_form_of(words: Sequence[str], spelling: str) -> bool:
    """Whether every word is one of a listed spelling's given names in some case (the
    words beside a surname in a case form: Аляксандра, of Аляксандр Лукашэнка)."""
    listed = _given_keys(spelling)
    return bool(words and listed) and all(
        any(key(fold(n)) in listed for n in nominatives(w)) for w in words
    )


@lru_cache(maxsize=4096)
def _given_keys(spelling: str) -> frozenset[str]:
    """The folded keys of a listed spelling's given names (none for one word)."""
    person = split_person(spelling)
    return frozenset(key(fold(g)) for g in person.given) if person else frozenset()


def natural_order(text: str) -> str:
    """ "LUKASHENKA, Alyaksandr" -> "Alyaksandr Lukashenka": how running text writes it."""
    if "," not in text:
        return text
    person = split_person(text)
    if person is None:
        return text.replace(",", " ").strip()
    return " ".join((*person.given, person.surname))


class Form(NamedTuple):
    """One way an entity is written: a listed spelling or a form derived from one."""

    text: str
    rule: str
    source: str
    """The listed spelling it comes from (itself, for listed spellings)."""
    lang: str | None = None
    shape: str = FULL
    """FULL, SURNAME or INITIALS: a person's listed "Lukashenka" is written as a surname."""


def forms(entity: Entity) -> Iterator[Form]:
    """Every form of an entity, listed ones first; derived ones only for persons."""
    spellings: tuple[Spelling, ...] = entity.spellings
    is_person = entity.type == "person"
    for spelling in spellings:
        shape = shape_of(spelling.text) if is_person else FULL
        yield Form(spelling.text, LISTED, spelling.text, spelling.lang, shape)
        if shape == SURNAME:
            for case in case_forms(spelling.text, spelling.lang):
                yield Form(case, INFLECTED, spelling.text, spelling.lang, SURNAME)
    for short in entity.short:
        yield Form(short, SHORT, short, None, shape_of(short) if is_person else FULL)
    if not is_person:
        return
    for spelling in spellings:
        person = split_person(spelling.text)
        if person is None:
            continue
        lang = spelling.lang
        initials = f"{person.initials()} {person.surname}"
        yield Form(initials, INITIALS, spelling.text, lang, INITIALS)
        if len(person.given) > 1 and not _is_patronymic(person.given[0]):
            letters = " ".join(f"{g[0].upper()}." for g in person.given)
            yield Form(f"{letters} {person.surname}", INITIALS, spelling.text, lang, INITIALS)
        yield Form(person.surname, SURNAME, spelling.text, lang, SURNAME)
        for case in case_forms(person.surname, lang):
            yield Form(case, INFLECTED, spelling.text, lang, SURNAME)


_INITIAL_RE = re.compile(r"^[^\W\d_]\.?$")


def shape_of(text: str) -> str:
    """How a person's spelling is built: FULL, SURNAME (one word) or INITIALS ("A. Lukashenka")."""
    person = split_person(text)
    if person is None:
        return SURNAME
    if all(_INITIAL_RE.match(g) for g in person.given):
        return INITIALS
    return FULL


def form_key(text: str, lang: str | None = None) -> str:
    """The lookup key of a form or a query: its folded tokens, order-free."""
    return key(fold(text, lang))
