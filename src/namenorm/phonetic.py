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

The rules stay regexes in the data file. Every query part nobody listed needs its
codes, so :func:`program` compiles the rules for the kernel's ``Speller``, which
runs them as ``re.sub`` would (tests hold each rule to its regex); a rule of a
shape it does not know sends every part back to the regexes, still right, slower.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from namenorm._kernel import Speller
from namenorm.cache import data_file

_DOUBLE_RE = re.compile(r"(.)\1+")


class Rules(NamedTuple):
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
    raw = data_file("phonetic.yaml")
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


class Unsupported(ValueError):
    """A pattern outside the shapes :func:`program` compiles."""


_Item = tuple[str, tuple[int, ...]]
"""One item of a pattern, its groups expanded: ``("^", ())``, ``("$", ())``, a
letter ``("", (set,))`` or a look-around ``("<=", sets)`` (also ``<!``, ``=``, ``!``);
a set is an int with bit c set for each ASCII character c it admits."""


def _letter_set(pattern: str, at: int) -> tuple[int, int]:
    """The set of a ``[...]`` class starting at ``at``, and where the class ends."""
    end = pattern.find("]", at + 2)
    inside = pattern[at + 1 : end]
    if end < 0 or "\\" in inside or "[" in inside:
        raise Unsupported(pattern)
    negated = inside.startswith("^")
    inside = inside[1:] if negated else inside
    bits, i = 0, 0
    while i < len(inside):
        if i + 2 < len(inside) and inside[i + 1] == "-":
            for c in range(ord(inside[i]), ord(inside[i + 2]) + 1):
                bits |= 1 << c
            i += 3
        else:
            bits |= 1 << ord(inside[i])
            i += 1
    if bits >> 128:
        raise Unsupported(pattern)
    return (bits ^ ((1 << 128) - 1) if negated else bits), end + 1


def _sequences(pattern: str, at: int) -> tuple[list[list[_Item]], int]:
    """The alternatives of a pattern from ``at`` up to ``)`` or its end, each a list
    of items (groups multiplied out, in the order the regex would try them)."""
    found: list[list[_Item]] = []
    current: list[list[_Item]] = [[]]
    while True:
        c = pattern[at] if at < len(pattern) else ""
        if c in ("", "|", ")"):
            found.extend(current)
            if c != "|":
                return found, at
            current, at = [[]], at + 1
            continue
        items: list[list[_Item]]
        if c in "^$":
            items, at = [[(c, ())]], at + 1
        elif pattern.startswith(("(?<=", "(?<!", "(?=", "(?!"), at):
            kind = pattern[at + 2 : at + 4] if pattern[at + 2] == "<" else pattern[at + 2]
            inner, at = _sequences(pattern, at + 2 + len(kind))
            if len(inner) != 1 or any(k for k, _ in inner[0]) or not inner[0]:
                raise Unsupported(pattern)
            items = [[(kind, tuple(s for _, (s,) in inner[0]))]]
            at += 1
        elif c == "(":
            start = at + 3 if pattern.startswith("(?:", at) else at + 1
            if pattern[start : start + 1] == "?":
                raise Unsupported(pattern)
            items, at = _sequences(pattern, start)
            at += 1
        elif c == "[":
            bits, at = _letter_set(pattern, at)
            items = [[("", (bits,))]]
        elif c.isascii() and c.isalnum():
            items, at = [[("", (1 << ord(c),))]], at + 1
        else:
            raise Unsupported(pattern)
        if pattern.startswith("{", at):
            end = pattern.find("}", at)
            count = pattern[at + 1 : end]
            if end < 0 or not count.isdigit() or len(items) != 1 or items[0][0][0]:
                raise Unsupported(pattern)
            items, at = [items[0] * int(count)], end + 1
        if at < len(pattern) and pattern[at] in "*+?{":
            raise Unsupported(pattern)
        current = [seq + more for seq in current for more in items]


def _alternative(pattern: str, items: list[_Item]) -> bytes:
    """One alternative as the kernel reads it (see the Speller section of ``_kernel.c``):
    ``^``, a look-behind, letters, a look-ahead and ``$``, in that order."""
    flags = 0
    behind: tuple[int, ...] = ()
    ahead: tuple[int, ...] = ()
    kinds = [k for k, _ in items]
    if kinds[:1] == ["^"]:
        flags |= 1
        items, kinds = items[1:], kinds[1:]
    if kinds[-1:] == ["$"]:
        flags |= 2
        items, kinds = items[:-1], kinds[:-1]
    if kinds[:1] in (["<="], ["<!"]):
        flags |= 4 if kinds[0] == "<!" else 0
        behind, items, kinds = items[0][1], items[1:], kinds[1:]
    if kinds[-1:] in (["="], ["!"]):
        flags |= 8 if kinds[-1] == "!" else 0
        ahead, items, kinds = items[-1][1], items[:-1], kinds[:-1]
    if not items or any(kinds) or max(len(behind), len(items), len(ahead)) > 255:
        raise Unsupported(pattern)
    sets = (*behind, *(s for _, (s,) in items), *ahead)
    head = bytes((flags, len(behind), len(items), len(ahead)))
    return head + b"".join(s.to_bytes(16, "little") for s in sets)


def program(pairs: Sequence[tuple[str, str]]) -> bytes:
    """Compile (pattern, replacement) rules for the kernel's Speller; raises
    :class:`Unsupported` for a pattern of a shape it does not know (such rules then
    run as Python regexes: see :func:`speller`)."""
    out = bytearray()
    for pattern, replacement in pairs:
        sequences, end = _sequences(pattern, 0)
        if end != len(pattern) or not replacement.isascii() or len(replacement) > 255:
            raise Unsupported(pattern)
        if not 0 < len(sequences) < 256:
            raise Unsupported(pattern)
        out += bytes((len(sequences), len(replacement))) + replacement.encode()
        for items in sequences:
            out += _alternative(pattern, items)
    return bytes(out)


@lru_cache(maxsize=1)
def speller() -> Speller | None:
    """The rules compiled into the kernel, or None when a pattern is of a shape the
    kernel does not know (a rule added to the data file can always be a regex)."""
    r = rules()
    try:
        spelling_program = program([(p.pattern, s) for p, s, _ in r.spelling])
        alternatives_program = program([(p.pattern, s) for p, s, _ in r.alternatives])
    except Unsupported:
        return None
    return Speller(spelling_program, alternatives_program, *letter_tables())


@lru_cache(maxsize=1)
def letter_tables() -> tuple[bytes, bytes]:
    """The skeleton classes and dropped letters as the kernel reads them: per ASCII
    character, its class letter (itself when none), and 1 when a skeleton drops it.

    The data file's classes and dropped letters must be single ASCII letters, as codes
    are: a ValueError names the first that is not."""
    r = rules()
    classes = bytearray(range(128))
    for letter, name in r.classes.items():
        if len(letter) != 1 or len(name) != 1 or not (letter + name).isascii():
            raise ValueError(f"phonetic.yaml: class {name!r} of {letter!r} is not one ASCII letter")
        classes[ord(letter)] = ord(name)
    dropped = bytearray(128)
    for letter in r.dropped:
        if len(letter) != 1 or not letter.isascii():
            raise ValueError(f"phonetic.yaml: dropped letter {letter!r} is not one ASCII letter")
        dropped[ord(letter)] = 1
    return bytes(classes), bytes(dropped)


@lru_cache(maxsize=1 << 18)
def spelling(part: str) -> str:
    """The spelling code of a folded part: ``spelling("lukaschenko") == "lukaSenko"``."""
    compiled = speller()
    if compiled is not None and part.isascii():
        return compiled.spelling(part.encode()).decode()
    return spelling_by_regex(part)


def spelling_by_regex(part: str) -> str:
    """:func:`spelling` with the rules run as Python regexes: the reference the
    compiled rules are tested against, and the way for parts the kernel does not
    read (not ASCII) or rules it does not know."""
    for pattern, replacement, letters in rules().spelling:
        if letters is None or not letters.isdisjoint(part):
            part = pattern.sub(replacement, part)
    return _DOUBLE_RE.sub(r"\1", part)


@lru_cache(maxsize=1 << 18)
def codes(part: str) -> tuple[str, ...]:
    """Every spelling code of a part: its own, then one per alternative reading."""
    compiled = speller()
    if compiled is not None and part.isascii():
        return tuple(c.decode() for c in compiled.codes(part.encode()))
    return codes_by_regex(part)


def reading_codes(part: str) -> tuple[bytes, ...]:
    """:func:`codes` as the kernel reads them (ASCII bytes), not remembered: a query
    part is read once."""
    compiled = speller()
    if compiled is not None and part.isascii():
        return compiled.codes(part.encode())
    return tuple(c.encode() for c in codes_by_regex(part))


def codes_by_regex(part: str) -> tuple[str, ...]:
    """:func:`codes` with the rules run as Python regexes (see :func:`spelling_by_regex`)."""
    found = [spelling_by_regex(part)]
    for pattern, replacement, letters in rules().alternatives:
        if letters is not None and letters.isdisjoint(part):
            continue
        other = pattern.sub(replacement, part)
        if other != part:
            found.append(spelling_by_regex(other))
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
    compiled = speller()
    if compiled is not None and code.isascii():
        return compiled.skeleton(code.encode()).decode()
    return _consonants(code, rules().classes)


@lru_cache(maxsize=1 << 18)
def consonants(code: str) -> str:
    """A code's consonants as written (no classes merged): what a skeleton is before
    h/g, s/sh/ch, z/zh and t/ts/d are made one."""
    compiled = speller()
    if compiled is not None and code.isascii():
        return compiled.consonants(code.encode()).decode()
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
