"""The library's front door: load tables once, then resolve names and scan text.

>>> r = Resolver.from_tables()          # the bundled table
>>> r.lookup("LUKASHENKO, Alexander").id
'alyaksandr-lukashenka'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from namenorm.fold import fold, key
from namenorm.house import Target
from namenorm.index import Hit, Index, load_index
from namenorm.rewrite import Mention, Scanner
from namenorm.score import RULE_SCORES, Match


@dataclass(frozen=True)
class Resolution:
    """The answer to one query: a match, or the entities it could not choose between."""

    query: str
    match: Match | None
    ambiguous: tuple[Match, ...] = ()
    """Equally good matches of different entities; never resolved by guessing."""

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "input": self.query,
            "match": self.match.as_dict() if self.match else None,
            "ambiguous": [m.as_dict() for m in self.ambiguous],
        }


class Resolver:
    """Resolves names and scans text against one compiled index."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._scanners: dict[tuple[str | None, str], Scanner] = {}

    @classmethod
    def from_tables(
        cls,
        paths: Sequence[str | os.PathLike[str]] | None = None,
        *,
        allow_conflicts: bool = False,
        use_cache: bool = True,
    ) -> Resolver:
        """Load (or read the cached index of) tables; the bundled table when none are given."""
        return cls(load_index(paths, allow_conflicts=allow_conflicts, use_cache=use_cache))

    def resolve(self, name: str) -> Resolution:
        """Resolve one name, in any script and any order of its parts."""
        tokens = fold(name)
        query_key = key(tokens)
        hits = self.index.hits(query_key)
        if not hits:
            return Resolution(name, None)
        best = hits[0].rule
        matches = [self._match(h, query_key) for h in hits if h.rule == best]
        by_entity = {m.id: m for m in reversed(matches)}
        if len(by_entity) == 1:
            return Resolution(name, matches[0])
        return Resolution(
            name, None, tuple(by_entity[i] for i in dict.fromkeys(m.id for m in matches))
        )

    def lookup(self, name: str) -> Match | None:
        """The entity a name stands for, or None (no match, or ambiguous)."""
        return self.resolve(name).match

    def _match(self, hit: Hit, query_key: str) -> Match:
        return Match(
            id=self.index.ids[hit.entity],
            canonical=self.index.canonicals[hit.entity],
            score=RULE_SCORES[hit.rule],
            rule=hit.rule,
            spelling=hit.spelling,
            form=hit.form,
            key=query_key,
        )

    def scanner(self, style: str | None = None, to: Target = "canonical") -> Scanner:
        """A text scanner for a style and target; ValueError for an unknown style."""
        found = self._scanners.get((style, to))
        if found is None:
            found = self._scanners[(style, to)] = Scanner(self.index, style=style, to=to)
        return found

    def mentions(self, text: str, style: str | None = None) -> list[Mention]:
        """Every mention in a text, with what it resolves to and would become."""
        return self.scanner(style).scan(text)

    def rewrite(self, text: str, style: str | None = None, to: Target = "canonical") -> str:
        """The text with every mention in the house spelling (or style, or id)."""
        return self.scanner(style, to).rewrite(text)
