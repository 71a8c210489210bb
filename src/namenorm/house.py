"""House spellings: what a form found in text becomes, and what it resolves to.

One :class:`Writer` decides this for one style and one target, both when the index
is compiled (the default house spelling of every text pattern is worked out once
and cached with it) and when a scanner meets a pattern under another style. The
rules: a full name becomes the house spelling; a surname alone, the house surname;
an initial and surname, the house initial and surname; a house-approved short form
stays; a form in another script than the house spelling is left as written; the
writer's capitals are kept. A form shared by several entities names none of them,
but is still rewritten when all of them are written the same way.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, Protocol

from namenorm.fold import is_latin
from namenorm.keys import FULL, INFLECTED, SHORT, SURNAME, split_person
from namenorm.translit import is_cyrillic

Target = Literal["canonical", "id"]


class Reading(NamedTuple):
    """What a text pattern resolves to and becomes."""

    id: str | None
    """None when the form is ambiguous between several entities."""
    canonical: str | None
    replacement: str | None
    """None when the mention is left as written (other script, ambiguous)."""
    rule: str
    spelling: str
    """The listed spelling the form comes from."""
    ambiguous: tuple[str, ...]
    note: str | None
    """Why a recognised mention is left as written."""


class HitLike(Protocol):
    """The fields of an index hit that the writer reads (see namenorm.index.Hit)."""

    @property
    def entity(self) -> int: ...
    @property
    def rule(self) -> str: ...
    @property
    def spelling(self) -> str: ...
    @property
    def form(self) -> str: ...
    @property
    def shape(self) -> str: ...


def script_of(text: str) -> str:
    """ "cyrillic", "latin" or "other": the script of a spelling's letters."""
    for char in text:
        if is_cyrillic(char):
            return "cyrillic"
        if is_latin(char):
            return "latin"
    return "other"


class Writer:
    """Works out readings for one style ("russian-based", or None) and target."""

    def __init__(
        self,
        ids: list[str],
        canonicals: list[str],
        styles: dict[str, dict[int, str]],
        style: str | None = None,
        to: Target = "canonical",
    ) -> None:
        if style is not None and style not in styles:
            known = ", ".join(sorted(styles)) or "none defined"
            raise ValueError(f"unknown style {style!r} (known: {known})")
        self.ids = ids
        self.canonicals = canonicals
        self.spellings = styles.get(style, {}) if style is not None else {}
        self.to = to
        self._targets: dict[tuple[int, str], str] = {}

    def read(self, hits: tuple[HitLike, ...], found: str) -> Reading:
        """The reading of a pattern, found as ``found``, that stands for ``hits``."""
        strongest = hits[0].rule
        hits = tuple(h for h in hits if h.rule == strongest)
        entities = list(dict.fromkeys(h.entity for h in hits))
        if len(entities) > 1:
            # Never guess the entity; but when every candidate is written the same way
            # (two Lukashenkas, one house surname), the spelling is no guess.
            ids = tuple(self.ids[i] for i in entities)
            first = {h.entity: h for h in reversed(hits)}
            rewrites = {self.replacement(first[i], found) for i in entities}
            replacement, note = rewrites.pop() if len(rewrites) == 1 else (None, None)
            if self.to == "id":
                replacement = None
            return Reading(
                None, None, replacement, strongest, hits[0].spelling, ids, note or "ambiguous"
            )
        hit = hits[0]
        replacement, note = self.replacement(hit, found)
        return Reading(
            self.ids[hit.entity],
            self.canonicals[hit.entity],
            replacement,
            hit.rule,
            hit.spelling,
            (),
            note,
        )

    def replacement(self, hit: HitLike, found: str) -> tuple[str | None, str | None]:
        """What ``found`` becomes, and a note when it is left as written."""
        if self.to == "id":
            return self.ids[hit.entity], None
        if hit.rule == SHORT:
            return found, None  # a house-approved short form ("UK", "USSR"): keep it
        if hit.rule == INFLECTED:
            return None, "a case form: grammar, not a spelling to correct"
        target = self.target(hit.entity, hit.shape)
        found_script, target_script = script_of(found), script_of(target)
        if found_script != target_script:
            return None, f"{found_script} script, house spelling is {target_script}"
        if found.isupper() and not hit.form.isupper() and not target.isupper():
            target = target.upper()  # the writer capitalised it; a listed acronym is not that
        return target, None

    def target(self, entity: int, shape: str) -> str:
        """The house (or style) spelling of an entity, cut to the shape of the form found."""
        cached = self._targets.get((entity, shape))
        if cached is not None:
            return cached
        target = self.spellings.get(entity, self.canonicals[entity])
        if shape != FULL:
            person = split_person(target)
            if person is not None:
                target = (
                    person.surname
                    if shape == SURNAME
                    else (f"{person.initials()} {person.surname}")
                )
        self._targets[(entity, shape)] = target
        return target
