"""Transliteration of one word to Latin: per-language ICU schemes kept as data files.

Cyrillic is romanised with the scheme of the language its letters reveal (і or ў:
Belarusian; ї, є or ґ: Ukrainian; otherwise Russian), because one scheme for all
three would make Лукашэнка and Лукашенко disagree with the press spellings that an
exact key has to meet. Other scripts, and the letters of other Cyrillic alphabets,
go through ICU's ``Any-Latin`` with a few repairs for names. The schemes are
data (``data/translit/*.yaml``: rules plus the samples that test them).

ICU transliterators are not thread-safe and are slow to build, so each thread
compiles its own once. ICU is super-linear on very long strings, so callers pass
words, not documents.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from namenorm.asciifold import ascii_fold
from namenorm.cache import data_file

DEFAULT_SCHEME = "ru"
"""The scheme for Cyrillic words that reveal no language of their own."""

GENERIC_SCHEME = "any"
"""The scheme for every script without one of its own, and for what a Cyrillic scheme
leaves: ICU's Any-Latin with a few repairs for names (``data/translit/any.yaml``)."""
CYRILLIC_PROBE = "\u0459"
"""A Cyrillic letter no scheme of ours covers (Serbian љ): :func:`load` romanises it
with the generic transform so that ICU builds that transform's Cyrillic part."""


class Scheme(NamedTuple):
    """A transliteration scheme: ICU rules with the samples that document and test them."""

    id: str
    name: str
    reveals: str
    rules: str
    samples: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def schemes() -> dict[str, Scheme]:
    """Every scheme shipped in ``data/translit``, by id."""
    folder = resources.files("namenorm") / "data" / "translit"
    out: dict[str, Scheme] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw = data_file(f"translit/{entry.name}")
        samples = tuple((str(a), str(b)) for a, b in raw.get("samples") or ())
        scheme = Scheme(
            str(raw["id"]),
            str(raw["name"]),
            str(raw.get("reveals") or ""),
            str(raw["rules"]),
            samples,
        )
        out[scheme.id] = scheme
    return out


@lru_cache(maxsize=1)
def _reveals() -> tuple[tuple[str, frozenset[str]], ...]:
    """(scheme id, revealing letters), the scheme with the rarer letters first.

    Ukrainian's ї/є/ґ outrank Belarusian's і/ў: і is shared by both languages.
    """
    found = [(s.id, frozenset(s.reveals)) for s in schemes().values() if s.reveals]
    return tuple(sorted(found, key=lambda pair: (pair[0] != "uk", pair[0])))


@lru_cache(maxsize=1)
def _revealing() -> re.Pattern[str]:
    """Any letter that reveals a scheme: without one, a name is in the default."""
    letters = "".join(sorted({c for _, reveals in _reveals() for c in reveals}))
    return re.compile(f"[{re.escape(letters)}]" if letters else "(?!)")


_SHARED_I = "\u0456"  # і, shared by Belarusian and Ukrainian
_NOT_BELARUSIAN = frozenset("ищ")
"""Letters Belarusian lacks: with і they reveal Ukrainian (Вінниця, Запоріжжя)."""


_local = threading.local()


def transliterator(scheme_id: str) -> Any:
    """This thread's compiled transliterator for a scheme id (see :data:`GENERIC_SCHEME`)."""
    cache: dict[str, Any] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    compiled = cache.get(scheme_id)
    if compiled is None:
        rules = schemes()[scheme_id].rules
        import icu  # slow to import (0.1 s): only when a word needs romanising

        compiled = icu.Transliterator.createFromRules(
            f"namenorm-{scheme_id}", rules, icu.UTransDirection.FORWARD
        )
        cache[scheme_id] = compiled
    return compiled


def load() -> None:
    """Compile every scheme's transliterator, and ICU's generic one, for this thread now
    rather than at the first word that needs each (a batch should not pay for it
    halfway through, and worker processes forked afterwards inherit them)."""
    for scheme_id in schemes():
        transliterator(scheme_id)
    _revealing()  # a regex of the revealing letters, which scheme_for() needs first
    # ICU builds Any-Latin's transform for a script at the first word in it (a
    # millisecond for Cyrillic, 2 ms for Greek or Arabic, 0.2 s for Han). Cyrillic's
    # is built now: every Cyrillic letter the schemes leave (Serbian љ, Kazakh ә) goes
    # through it. The others stay lazy: most tables never meet those scripts.
    transliterator(GENERIC_SCHEME).transliterate(CYRILLIC_PROBE)


def is_cyrillic(char: str) -> bool:
    """True for letters of the Cyrillic blocks (incl. the supplement)."""
    return "\u0400" <= char <= "\u052f"


_CYRILLIC_RE = re.compile("[\u0400-\u052f]")


def has_cyrillic(text: str) -> bool:
    """Whether any character of ``text`` is Cyrillic (see :func:`is_cyrillic`): one
    regex scan rather than a Python call per character."""
    return _CYRILLIC_RE.search(text) is not None


def scheme_for(text: str, lang: str | None = None) -> str:
    """Which scheme romanises this (casefolded) name: its language tag, else its letters.

    Decided for a whole name, not word by word: in Юлія Тимошенко only the first
    word shows that the name is Ukrainian.
    """
    if not has_cyrillic(text):
        return GENERIC_SCHEME
    return cyrillic_scheme(text, lang)


def cyrillic_scheme(text: str, lang: str | None = None) -> str:
    """:func:`scheme_for` a name already known to hold Cyrillic (folding's plain
    Cyrillic names, which its regex has proved so)."""
    known = schemes()
    if lang in known:
        return lang
    if not _revealing().search(text):  # most names: no revealing letter
        return DEFAULT_SCHEME if DEFAULT_SCHEME in known else GENERIC_SCHEME
    letters = set(text)
    for scheme, reveals in _reveals():
        if letters & reveals:
            if scheme != "uk" and _SHARED_I in letters and letters & _NOT_BELARUSIAN:
                return "uk" if "uk" in known else scheme
            return scheme
    return DEFAULT_SCHEME if DEFAULT_SCHEME in known else GENERIC_SCHEME


def to_latin(word: str, scheme: str | None = None) -> str:
    """Romanise one casefolded word to ASCII with a scheme (default: the word's own)."""
    if word.isascii():
        return word
    if scheme is None or (scheme != GENERIC_SCHEME and not has_cyrillic(word)):
        scheme = scheme_for(word)
    out: str = transliterator(scheme).transliterate(word)
    if scheme != GENERIC_SCHEME and not out.isascii():
        # Letters outside the scheme (a stray Latin-with-diacritic, say).
        out = transliterator(GENERIC_SCHEME).transliterate(out)
    if not out.isascii():
        out = ascii_fold(out)
    return out
