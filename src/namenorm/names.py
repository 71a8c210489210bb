"""Name-part equivalences: given-name cognates and East Slavic patronymics.

An edit distance cannot tell that Alyaksandr, Oleksandr and Alexander are one name,
or that Ryhoravich and Grigoryevich both say "son of Grigory"; the data files say so:
``data/given_names.yaml`` (groups of spellings of one given name) and
``data/patronymics.yaml`` (suffix rules and irregular forms that read a part as the
patronymic of a group). Both files document their format in their header comments.
Everything here works on folded parts (lowercase ASCII, :func:`namenorm.fold.fold`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from namenorm.cache import compiled, data_file
from namenorm.fold import fold
from namenorm.phonetic import skeleton_of_code, spelling


def joined(text: str) -> str:
    """A form folded and its tokens joined: "Abd al-Rahman" -> "abdalrahman"."""
    return "".join(fold(text))


class GivenNames(NamedTuple):
    """The given-name groups: folded form -> group id, and each group's folded forms."""

    group_of: dict[str, str]
    forms: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def given_names() -> GivenNames:
    """The given-name groups, compiled once per version of the data (and cached)."""
    return compiled("given-names", _read_given_names)


def _read_given_names() -> GivenNames:
    """Read and fold ``data/given_names.yaml``."""
    group_of: dict[str, str] = {}
    forms: dict[str, tuple[str, ...]] = {}
    for group in data_file("given_names.yaml")["groups"]:
        gid = str(group["id"])
        folded = tuple(dict.fromkeys(joined(str(f)) for f in group["forms"]))
        forms[gid] = folded
        for form in folded:
            group_of.setdefault(form, gid)
    return GivenNames(group_of, forms)


def given_group(part: str) -> str | None:
    """The given-name group of a folded part (or of a few parts joined), if it has one."""
    return given_names().group_of.get(part)


class Patronymics(NamedTuple):
    """The rules of ``data/patronymics.yaml``, with suffixes folded and sorted longest first."""

    min_stem: int
    suffixes: tuple[str, ...]
    father_endings: tuple[str, ...]
    father_alternations: tuple[tuple[str, str], ...]
    female_groups: frozenset[str]
    irregular: dict[str, str]
    samples: tuple[tuple[str, str], ...]
    bases: dict[str, str]
    """Spelling code of a father's-name base -> group id (first group wins)."""
    by_skeleton: dict[str, tuple[tuple[str, str], ...]]
    """Skeleton of a base -> (spelling code, group id): for stems that differ by a vowel."""
    suffix_lengths: tuple[tuple[int, frozenset[str]], ...]
    """The suffixes by length, longest first: a part ends with at most one suffix of
    each length, found by one set look-up instead of a test per suffix."""
    last_letters: frozenset[str]
    """The last two letters of every suffix (all of a shorter one): a part ending
    otherwise has no suffix, and most parts are told so by one set look-up."""


@lru_cache(maxsize=1)
def patronymics() -> Patronymics:
    """The patronymic rules and every father's-name base, compiled once per version of
    the data (and cached)."""
    return compiled("patronymics", _read_patronymics)


def _read_patronymics() -> Patronymics:
    """Read ``data/patronymics.yaml`` and precompute every father's-name base."""
    raw = data_file("patronymics.yaml")
    suffixes = {str(s) for sexes in raw["suffixes"].values() for sfx in sexes.values() for s in sfx}
    min_stem = int(raw["min_stem"])
    endings = tuple(str(e) for e in raw["father_endings"])
    alternations = tuple((str(a), str(b)) for a, b in raw["father_alternations"])
    female = frozenset(str(g) for g in raw["female_groups"])
    bases: dict[str, str] = {}
    for gid, forms in given_names().forms.items():
        if gid in female:
            continue
        for form in forms:
            for base in _bases(form, endings, alternations, min_stem):
                bases.setdefault(spelling(base), gid)
    by_skeleton: dict[str, list[tuple[str, str]]] = {}
    for code, gid in bases.items():
        by_skeleton.setdefault(skeleton_of_code(code), []).append((code, gid))
    lengths = sorted({len(s) for s in suffixes}, reverse=True)
    return Patronymics(
        min_stem=min_stem,
        suffixes=tuple(sorted(suffixes, key=len, reverse=True)),
        father_endings=endings,
        father_alternations=alternations,
        female_groups=female,
        irregular={joined(str(e["patronymic"])): str(e["group"]) for e in raw["irregular"]},
        samples=tuple((str(p), str(g)) for p, g in raw["samples"]),
        bases=bases,
        by_skeleton={k: tuple(v) for k, v in by_skeleton.items()},
        suffix_lengths=tuple((n, frozenset(s for s in suffixes if len(s) == n)) for n in lengths),
        last_letters=frozenset(s[-2:] for s in suffixes),
    )


def _bases(
    form: str, endings: tuple[str, ...], alternations: tuple[tuple[str, str], ...], min_stem: int
) -> set[str]:
    """The father's-name bases of a folded given name (step 5 of the file's algorithm)."""
    stems = {form}
    for old, new in alternations:
        if form.endswith(old):
            stems.add(form[: -len(old)] + new)
    out = set(stems)
    for stem in stems:
        for end in endings:
            if stem.endswith(end) and len(stem) - len(end) >= min_stem:
                out.add(stem[: -len(end)])
    return {b for b in out if len(b) >= min_stem}


@lru_cache(maxsize=1 << 16)
def patronymic_group(part: str) -> str | None:
    """The group whose patronymic a folded part can be read as, or None.

    "ryhoravich" -> "grigory". Stems (the part minus a suffix) meet the fathers' names'
    bases by spelling code, so romanisation differences between the two do not matter.
    """
    p = patronymics()
    found = p.irregular.get(part)
    if found is not None:
        return found
    if part[-2:] not in p.last_letters and part[-1:] not in p.last_letters:
        return None
    stems = [
        spelling(part[:-n])
        for n, suffixes in p.suffix_lengths
        if len(part) - n >= p.min_stem and part[-n:] in suffixes
    ]
    for stem in stems:
        group = p.bases.get(stem)
        if group is not None:
            return group
    # Fuzzily: a base with the same skeleton, one vowel or semivowel away (mikhayl ~ mikhail).
    for stem in stems:
        for code, gid in p.by_skeleton.get(skeleton_of_code(stem), ()):
            if within_one_edit(stem, code):
                return gid
    return None


def within_one_edit(a: str, b: str) -> bool:
    """Whether one insertion, deletion or substitution (or none) makes ``a`` into ``b``."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    # After the common head, what is left must match with one letter of b skipped
    # (lengths differ) or one letter of each changed (same length).
    skip = start + (len(a) == len(b))
    return a[skip:] == b[start + 1 :]
