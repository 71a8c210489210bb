"""Case forms of names: the forms running text uses that no table lists.

Belarusian, Russian, Ukrainian and Polish decline names (Тихановская, Тихановской,
Тихановскую; Аляксандр, Аляксандра). The rules are data (``data/inflection.yaml``:
nominative ending -> case endings, with samples): this module applies them forwards
to a surname, for the index, and backwards to a given name in running text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from namenorm.cache import data_file
from namenorm.translit import has_cyrillic, scheme_for


class Inflection(NamedTuple):
    """Per language, (nominative ending, case endings) in the order they are tried."""

    rules: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
    samples: tuple[tuple[str, str, str], ...]
    indeclinable: tuple[str, ...]
    given: tuple[tuple[str, str], ...]
    """Given names: (case ending, nominative ending), every language at once."""
    given_samples: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def inflection() -> Inflection:
    """Read ``data/inflection.yaml`` once."""
    raw = data_file("inflection.yaml")
    rules = {
        str(lang): tuple((str(r["nominative"]), tuple(str(c) for c in r["cases"])) for r in entries)
        for lang, entries in raw["rules"].items()
    }
    samples = tuple((str(a), str(b), str(c)) for a, b, c in raw["samples"])
    return Inflection(
        rules,
        samples,
        tuple(str(w) for w in raw["indeclinable"]),
        tuple((str(c), str(n)) for c, n in raw["given"]),
        tuple((str(c), str(n)) for c, n in raw["given_samples"]),
    )


_POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def language_of(word: str, lang: str | None = None) -> str | None:
    """The declining language a surname is written in: a tag, its letters, or None."""
    rules = inflection().rules
    if lang in rules:
        return lang
    if has_cyrillic(word):
        scheme = scheme_for(word.casefold())
        return scheme if scheme in rules else "ru"
    if any(c in _POLISH for c in word) or lang == "pl":
        return "pl"
    return None


def case_forms(surname: str, lang: str | None = None) -> tuple[str, ...]:
    """The case forms of a one-word surname, keeping its capitals; () when indeclinable.

    ``case_forms("Лукашэнка") == ("Лукашэнкі", "Лукашэнку", "Лукашэнкам")``.
    """
    language = language_of(surname, lang)
    if language is None or " " in surname or "-" in surname:
        return ()
    low = surname.lower()
    for nominative, cases in inflection().rules[language]:
        if low.endswith(nominative) and len(low) > len(nominative) + 1:
            stem = surname[: len(surname) - len(nominative)]
            upper = surname.isupper()
            return tuple(stem + (c.upper() if upper else c) for c in cases)
    return ()


def nominatives(word: str) -> tuple[str, ...]:
    """The word, then every nominative a given name written so may be a case form of
    (``nominatives("Аляксандра")`` holds "Аляксандр"; and the word itself, Alexandra).
    """
    low = word.lower()
    out = [word]
    for case, nominative in inflection().given:
        if low.endswith(case) and len(low) - len(case) >= 2:
            out.append(word[: len(word) - len(case)] + nominative)
    return tuple(dict.fromkeys(out))
