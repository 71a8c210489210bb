"""The library's front door: load tables once, then resolve names and scan text.

>>> r = Resolver.from_tables()          # the bundled table
>>> r.lookup("LUKASHENKO, Alexander").id
'alyaksandr-lukashenka'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from namenorm.fold import fold, fold_around_comma, key
from namenorm.house import Target
from namenorm.index import Hit, Index, load_index, named_in_case
from namenorm.keys import FULL, INFLECTED, INFLECTED_NAME
from namenorm.score import FUZZY, MARGIN, RULE_SCORES, THRESHOLD, Match

if TYPE_CHECKING:  # the fuzzy machinery and the text scanner: imported where first used
    from namenorm.fuzzy import Scored
    from namenorm.rewrite import Mention, Scanner


_new = tuple.__new__
"""Makes a named tuple from a tuple of all its fields (see Resolver._fuzzy_match)."""

_Parts = Callable[[tuple[str, ...]], tuple[str, ...]]
_Fathers = Callable[[tuple[str, ...]], frozenset[str]]
_helpers: tuple[_Parts, _Fathers] | None = None


def _fuzzy_helpers() -> tuple[_Parts, _Fathers]:
    """``namenorm.fuzzy``'s parts() and fathers(), imported at the first fuzzy lookup
    (exact lookups and the filter never need the fuzzy machinery) and kept: an
    import statement in every lookup cost 2 us."""
    global _helpers
    if _helpers is None:
        from namenorm.fuzzy import fathers, parts

        _helpers = (parts, fathers)
    return _helpers


class Resolution(NamedTuple):
    """The answer to one query: a match, or the entities it could not choose between
    (an immutable named tuple, as :class:`~namenorm.score.Match` is)."""

    query: str
    match: Match | None
    ambiguous: tuple[Match, ...] = ()
    """Equally good matches of different entities; never resolved by guessing."""
    others: tuple[Match, ...] = ()
    """With ``every=True``: the other entities scoring at or above the threshold."""
    near: tuple[Match, ...] = ()
    """With ``every=True``: the best candidates below the threshold (near misses)."""

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        out: dict[str, object] = {
            "input": self.query,
            "match": self.match.as_dict() if self.match else None,
            "ambiguous": [m.as_dict() for m in self.ambiguous],
        }
        if self.others:
            out["others"] = [m.as_dict() for m in self.others]
        return out

    def report(self, threshold: float) -> str:
        """The long explanation of this resolution, as ``namenorm explain`` prints it."""
        lines = [f"query: {self.query}"]
        m = self.match
        if m is not None:
            lines.append(f"match: {m.id} ({m.canonical}), score {m.score:.3f}, rule {m.rule}")
            lines.extend(m.describe("  "))
        elif self.ambiguous:
            lines.append(
                f"no match: ambiguous, top candidates within {MARGIN} of each other "
                f"(threshold {threshold:.2f}):"
            )
            for a in self.ambiguous:
                lines.append(f"  {a.id} ({a.canonical}), score {a.score:.3f}")
                lines.extend(a.describe("    "))
        else:
            lines.append(f"no match: no candidate reaches the threshold {threshold:.2f}")
        rivals = [o for o in self.others if o not in self.ambiguous]
        if rivals:
            lines.append("also above the threshold:")
            for o in rivals:
                lines.append(f"  {o.id} ({o.canonical}), score {o.score:.3f}")
                lines.extend(o.describe("    "))
        if self.near:
            lines.append("near misses (below the threshold):")
            for n in self.near:
                lines.append(f"  {n.id} ({n.canonical}), score {n.score:.3f}: {n.why_lost()}")
                lines.extend(n.describe("    "))
        return "\n".join(lines) + "\n"


class Resolver:
    """Resolves names and scans text against one compiled index."""

    def __init__(self, index: Index, threshold: float = THRESHOLD) -> None:
        self.index = index
        self.threshold = threshold
        """Fuzzy matches scoring below this are no match (exact keys always match)."""
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

    def resolve(self, name: str, every: bool = False) -> Resolution:
        """Resolve one name, in any script and any order of its parts.

        Exact keys first; when none matches, the fuzzy index. ``every`` also reports
        the other entities above the threshold and the best near misses below it.
        """
        tokens = fold(name)
        query_key = key(tokens)
        return self._resolve(name, tokens, query_key, self._hits(name, tokens, query_key), every)

    def resolve_many(self, names: Sequence[str], every: bool = False) -> list[Resolution]:
        """Resolve a batch of names: the same answers as :meth:`resolve`, name by name.

        The parts of all the names no exact key reaches are compared with the table's
        parts first, and their posting lists read in one step, which is faster than
        one name at a time.
        """
        read = []
        for name in names:
            tokens = fold(name)
            query_key = key(tokens)
            read.append((name, tokens, query_key, self._hits(name, tokens, query_key)))
        missed = [tokens for _, tokens, _, hits in read if not hits]
        if missed:
            from namenorm.fuzzy import parts

            self.index.fuzzy.prepare([p for t in missed for p in parts(t)])
        return [self._resolve(*r, every) for r in read]

    def _hits(self, name: str, tokens: tuple[str, ...], query_key: str) -> tuple[Hit, ...]:
        """What the query's key reaches; failing that, the persons it names in a case
        form (Аляксандра Лукашэнкі: its surname a listed case form, and every other
        word a case form of one of that person's given names)."""
        index = self.index
        found = index.hits(query_key)
        if (
            found
            or len(tokens) < 2
            or not (
                index.reaches_by(tokens[0], INFLECTED) or index.reaches_by(tokens[-1], INFLECTED)
            )
        ):
            return found
        words = name.replace(",", " ").split()
        if len(words) < 2:
            return ()
        for at in dict.fromkeys((len(words) - 1, 0)):
            named = named_in_case(
                self.index.hits(key(fold(words[at]))), words[:at] + words[at + 1 :]
            )
            if named:
                return tuple(Hit(h.entity, INFLECTED_NAME, h.spelling, name, FULL) for h in named)
        return ()

    def _resolve(
        self,
        name: str,
        tokens: tuple[str, ...],
        query_key: str,
        hits: Sequence[Hit],
        every: bool,
    ) -> Resolution:
        if not hits:
            return self._fuzzy(name, tokens, every)
        best = hits[0].rule
        matches = [self._match(h, query_key) for h in hits if h.rule == best]
        by_entity = {m.id: m for m in reversed(matches)}
        if len(by_entity) == 1:
            return Resolution(name, matches[0])
        return Resolution(
            name, None, tuple(by_entity[i] for i in dict.fromkeys(m.id for m in matches))
        )

    def _fuzzy(self, name: str, tokens: tuple[str, ...], every: bool) -> Resolution:
        """Resolve a name no exact key reaches: best entity above the threshold, clear of
        the runner-up by MARGIN; else no match (ambiguous when the top ones are close)."""
        parts, fathers = _fuzzy_helpers()
        query = parts(tokens)
        first = None
        given = tokens[:-1]  # in natural order the last word is the surname
        if "," in name and name.partition(",")[2].strip():
            head_tokens, given = fold_around_comma(name)
            first = len(parts(head_tokens))
        fuzzy = self.index.fuzzy
        father = fathers(given)
        if every:
            return self._every(name, query, first, father)
        # A lookup needs only the names that could match or tie with a match, and
        # explains only those it reports.
        scored = fuzzy.lookup(query, self.threshold, MARGIN, first, father)
        if not scored:
            return _new(Resolution, (name, None, (), (), ()))
        qkey = " ".join(query)
        if len(scored) > 1:
            return Resolution(name, None, tuple(self._fuzzy_match(s, qkey) for s in scored))
        return _new(Resolution, (name, self._fuzzy_match(scored[0], qkey), (), (), ()))

    def _every(
        self, name: str, query: tuple[str, ...], first: int | None, father: frozenset[str]
    ) -> Resolution:
        """A fuzzy resolution with every entity above the threshold and the best near
        misses below it, each explained."""
        from namenorm.fuzzy import best_by_entity

        ranked = best_by_entity(self.index.fuzzy.candidates(query, first, None, father))
        qkey = " ".join(query)
        above = [s for s in ranked if s.score >= self.threshold]
        others = tuple(self._fuzzy_match(s, qkey) for s in above[1:])
        near = tuple(self._fuzzy_match(s, qkey) for s in ranked if s.score < self.threshold)[:3]
        if not above:
            return Resolution(name, None, others=others, near=near)
        top = above[0]
        close = [s for s in ranked[1:] if top.score - s.score < MARGIN]
        if close:
            tied = tuple(self._fuzzy_match(s, qkey) for s in (top, *close))
            return Resolution(name, None, tied, others=others, near=near)
        return Resolution(name, self._fuzzy_match(top, qkey), others=others, near=near)

    def _fuzzy_match(self, scored: Scored, query_key: str) -> Match:
        # made by tuple.__new__ from its fields: a named tuple's own __new__ is a
        # Python function, three times slower (and keywords twice slower again)
        _, entity, score, spelling, pairs, missing, extra, conflicts = scored
        index = self.index
        return _new(
            Match,
            (
                index.ids[entity],
                index.canonicals[entity],
                score,
                FUZZY,
                spelling,
                spelling,  # the form a fuzzy match reached is the listed spelling
                query_key,
                pairs,
                missing,
                extra,
                conflicts,
            ),
        )

    def prepare(self) -> None:
        """Load every part lookups need now, rather than at the first query that needs it:
        the index, the fuzzy machinery and its data, the transliterators, the
        homoglyph tables and the case-form rules.

        A batch then pays for its names only, and worker processes forked afterwards
        share what is loaded instead of each reading it again.
        """
        from namenorm.fold import load as load_homoglyphs
        from namenorm.inflection import inflection
        from namenorm.translit import load as load_transliterators

        self.index.keys  # noqa: B018
        self.index.fuzzy.load()
        load_transliterators()
        load_homoglyphs()
        inflection()

    def lookup(self, name: str) -> Match | None:
        """The entity a name stands for, or None (no match, or ambiguous)."""
        return self.resolve(name).match

    def _match(self, hit: Hit, query_key: str) -> Match:
        entity, rule, spelling, form, _ = hit
        index = self.index
        return _new(  # as in _fuzzy_match
            Match,
            (
                index.ids[entity],
                index.canonicals[entity],
                RULE_SCORES[rule],
                rule,
                spelling,
                form,
                query_key,
                (),
                (),
                (),
                (),
            ),
        )

    def scanner(self, style: str | None = None, to: Target = "canonical") -> Scanner:
        """A text scanner for a style and target; ValueError for an unknown style."""
        found = self._scanners.get((style, to))
        if found is None:
            from namenorm.rewrite import Scanner  # the scanner is for text, not lookups

            found = self._scanners[(style, to)] = Scanner(self.index, style=style, to=to)
        return found

    def mentions(self, text: str, style: str | None = None) -> list[Mention]:
        """Every mention in a text, with what it resolves to and would become."""
        return self.scanner(style).scan(text)

    def rewrite(self, text: str, style: str | None = None, to: Target = "canonical") -> str:
        """The text with every mention in the house spelling (or style, or id)."""
        return self.scanner(style, to).rewrite(text)
