"""Phonetic codes of one name part: what two romanisations of a name have in common.

A folded part (lowercase ASCII, from :func:`namenorm.fold.fold`) gets two codes, both
defined by the rules in ``data/phonetic.yaml``:

* its *spelling code*: romanisations of one sound made one letter (kh/h/x, sh/sch/sz,
  ch/tch/cz, ts/tz, w/v, ou/u, q/k ...), doubled letters collapsed;
* its *skeleton*: the spelling code's consonants, with letters that transliterations
  swap (h/g, s/sh/ch, t/ts/d) merged into one class.

Two parts with one skeleton are candidates for each other (the fuzzy index is keyed
by skeletons); the scorer then charges an edit that changes the skeleton (an
unrelated consonant) far more than one that does not (a vowel, y/j/i, u/v/w).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

_DOUBLE_RE = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Rules:
    """The rules of ``data/phonetic.yaml``, compiled."""

    spelling: tuple[tuple[re.Pattern[str], str, frozenset[str] | None], ...]
    """Pattern, replacement, and the letters one of which any match starts with (None:
    not known; see :func:`triggers`)."""
    classes: dict[str, str]
    """Letter of the spelling code -> its skeleton class."""
    dropped: frozenset[str]
    alternatives: tuple[tuple[re.Pattern[str], str, frozenset[str] | None], ...]
    """Letters with a second reading: each gives a part a second spelling code."""
    samples: dict[str, tuple[tuple[str, str], ...]]


@lru_cache(maxsize=1)
def rules() -> Rules:
    """Read and compile ``data/phonetic.yaml`` once."""
    path = resources.files("namenorm") / "data" / "phonetic.yaml"
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    classes = {
        str(letter): str(name) for name, letters in raw["classes"].items() for letter in letters
    }
    samples = {
        str(kind): tuple((str(a), str(b)) for a, b in pairs)
        for kind, pairs in raw["samples"].items()
    }
    return Rules(
        spelling=tuple((re.compile(str(p)), str(r), triggers(str(p))) for p, r in raw["spelling"]),
        classes=classes,
        dropped=frozenset(str(d) for d in raw["dropped"]),
        alternatives=tuple(
            (re.compile(str(p)), str(r), triggers(str(p))) for p, r in raw["alternatives"]
        ),
        samples=samples,
    )


_LOOKAROUND_RE = re.compile(r"\(\?<?[=!][^()]*\)")
_SPECIAL = set(".\\*+?{}()|^$[]")


def triggers(pattern: str) -> frozenset[str] | None:
    """The letters one of which every match of a spelling rule starts with, read off
    the pattern; None when the pattern is not of the plain kinds the rules use
    (alternatives of literals or letter classes, with lookarounds and anchors).

    A part with none of them is left alone by the rule, which is then not run: most
    rules apply to few parts, and running every regex on every part was most of the
    cost of a spelling code. ``triggers("(?<=[aeiou])h$") == {"h"}``.
    """
    body = _LOOKAROUND_RE.sub("", pattern).strip("^$")
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1:
        body = body[1:-1]
    if not body or "(" in body or ")" in body:
        return None
    found: set[str] = set()
    for alternative in body.split("|"):
        alternative = alternative.strip("^$")
        if alternative.startswith("["):
            end = alternative.find("]")
            inside = alternative[1:end]
            if end < 0 or inside.startswith("^") or "\\" in inside:
                return None
            rest = alternative[end + 1 :]
            letters: set[str] = set()
            i = 0
            while i < len(inside):
                if i + 2 < len(inside) and inside[i + 1] == "-":
                    letters.update(chr(c) for c in range(ord(inside[i]), ord(inside[i + 2]) + 1))
                    i += 3
                else:
                    letters.add(inside[i])
                    i += 1
        elif alternative and alternative[0] not in _SPECIAL:
            rest = alternative[1:]
            letters = {alternative[0]}
        else:
            return None
        if rest[:1] in ("*", "?", "{"):  # the first letter may be absent
            return None
        found |= letters
    return frozenset(found)


@lru_cache(maxsize=1 << 18)
def spelling(part: str) -> str:
    """The spelling code of a folded part: ``spelling("lukaschenko") == "lukaSenko"``."""
    for pattern, replacement, letters in rules().spelling:
        if letters is None or not letters.isdisjoint(part):
            part = pattern.sub(replacement, part)
    return _DOUBLE_RE.sub(r"\1", part)


@lru_cache(maxsize=1 << 18)
def codes(part: str) -> tuple[str, ...]:
    """Every spelling code of a part: its own, then one per alternative reading."""
    found = [spelling(part)]
    for pattern, replacement, letters in rules().alternatives:
        if letters is not None and letters.isdisjoint(part):
            continue
        other = pattern.sub(replacement, part)
        if other != part:
            found.append(spelling(other))
    return tuple(dict.fromkeys(found))


def _consonants(code: str, classes: dict[str, str]) -> str:
    """A code's consonants, each mapped through ``classes``; two alike count once
    only when nothing stood between them (Hariri keeps both r's: it is not Hairi)."""
    r = rules()
    out: list[str] = []
    last = ""
    for c in code:
        if c in r.dropped:
            last = ""
            continue
        letter = classes.get(c, c)
        if letter != last:
            out.append(letter)
        last = letter
    return "".join(out) or code


@lru_cache(maxsize=1 << 18)
def skeleton_of_code(code: str) -> str:
    """The skeleton of a spelling code."""
    return _consonants(code, rules().classes)


@lru_cache(maxsize=1 << 18)
def consonants(code: str) -> str:
    """A code's consonants as written (no classes merged): what a skeleton is before
    h/g, s/sh/ch, z/zh and t/ts/d are made one."""
    return _consonants(code, {})


@lru_cache(maxsize=1 << 18)
def skeletons(part: str) -> tuple[str, ...]:
    """The skeleton of every spelling code of a part (see :func:`codes`)."""
    return tuple(dict.fromkeys(skeleton_of_code(c) for c in codes(part)))


DELETED = "~"
"""Marks a blocking key made by deleting a letter from a skeleton."""
SHORT_KEY = 2
"""Keys this short are shared by a large share of any table's parts: they are made
specific by the class of the code's first letter (see :func:`initial`)."""


def initial(code: str) -> str:
    """The class of a code's first letter: its skeleton class, or ``V`` for a vowel or
    semivowel (Alyaksandr and Oleksandr, Yevgeny and Evgeny start alike)."""
    r = rules()
    first = code[0]
    return "V" if first in r.dropped or first == "j" else r.classes.get(first, first)


def _key(key: str, code: str, first_deleted: bool = False) -> str:
    """A blocking key made by an edit; a short one carries the code's initial class
    (after the edit: a deleted first consonant takes the code's first letter with it).
    """
    if len(key.removeprefix(DELETED)) > SHORT_KEY:
        return key
    if first_deleted and initial(code) != "V" and len(code) > 1:
        code = code[1:]
    return f"{key}|{initial(code)}"


def _deletions(skel: str) -> list[tuple[str, bool]]:
    """Each one-letter deletion of a skeleton, and whether it took the first letter."""
    if len(skel) < 2:
        return []
    return [(skel[:i] + skel[i + 1 :], i == 0) for i in range(len(skel))]


@lru_cache(maxsize=1 << 18)
def code_keys(code: str) -> tuple[str, ...]:
    """The keys a table part's code is indexed under: its skeleton (also with the
    initial class, when short), and ``~`` + each of its one-letter deletions."""
    skel = skeleton_of_code(code)
    keys = {skel: None, _key(skel, code): None}
    keys.update(dict.fromkeys(_key(DELETED + d, code, first) for d, first in _deletions(skel)))
    return tuple(keys)


@lru_cache(maxsize=1 << 18)
def block_keys(part: str) -> tuple[str, ...]:
    """The keys a table part is indexed under: those of each of its codes."""
    return tuple(dict.fromkeys(k for code in codes(part) for k in code_keys(code)))


@lru_cache(maxsize=1 << 18)
def code_probe_keys(code: str) -> tuple[str, ...]:
    """The keys one spelling code of a query part looks up: a table code with the same
    skeleton, one more letter (``~`` + its skeleton), one letter fewer (each deletion)
    or one letter changed (``~`` + each deletion): at most one consonant edit apart.
    Short keys made by an edit also need the same initial class."""
    skel = skeleton_of_code(code)
    keys = {skel: None, _key(DELETED + skel, code): None}
    for d, first in _deletions(skel):
        keys[_key(d, code, first)] = None
        keys[_key(DELETED + d, code, first)] = None
    return tuple(keys)


@lru_cache(maxsize=1 << 18)
def probe_keys(part: str) -> tuple[str, ...]:
    """The keys a query part looks up: those of each of its codes."""
    return tuple(dict.fromkeys(k for code in codes(part) for k in code_probe_keys(code)))
