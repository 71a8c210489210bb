"""Fuzzy resolution: spellings nobody listed, found through an index and scored part by part.

When no exact key matches, a name is split into parts (folded tokens, with Arabic
compounds joined, articles and titles dropped), and each part finds the table's
parts that could be spellings of it (:mod:`namenorm.neighbours`: blocking keys,
given-name and patronymic groups). The closest of those lead, through posting lists,
to a few candidate names; only these are scored, never the whole table, and a lookup
skips those a bound proves cannot reach its threshold.

A candidate's score aligns query parts with its parts in any order (greedily, best
pairs first), weighs each part by its rarity in the table (IDF), and charges what is
left over: a part missing from one side costs a fraction of its weight (a dropped
patronymic or father's name little, a dropped surname much), a part on each side
that found no partner is a contradiction and costs its full weight. So Alexander
Lukashenko stays apart from Viktor Lukashenko, while a name written without its
patronymic still resolves.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from namenorm._kernel import Part, Table
from namenorm.fold import fold
from namenorm.keys import split_person, structure
from namenorm.names import given_group, given_names, patronymic_group, patronymics
from namenorm.neighbours import (
    EMPTY,
    GIVEN,
    INITIAL,
    PATRONYMIC,
    SAME,
    SAME_CODE,
    SHORT,
    Floats,
    Ints,
    Near,
    Neighbours,
    PartCodes,
    part_numbers,
)
from namenorm.neighbours import RULES as NEAR_RULES
from namenorm.neighbours import build as build_codes
from namenorm.phonetic import speller
from namenorm.store import Groups, KeyIndex, Strings

CANDIDATES = 10
"""Names fully scored per query: the best by their blocking evidence."""
_new = tuple.__new__
"""Makes a named tuple from a tuple of its fields (see FuzzyIndex._scored)."""
COMMON = 5000
"""A part in more names than this only confirms candidates that rarer parts found."""
EVIDENCE_SIM = 0.7
"""Only neighbours this alike lead to candidates. A name every part of which aligns
less well than this scores below 0.6 (each pair earns under 0.6 of its weight), far
under the threshold; the weaker neighbours still count when a candidate is scored.
At 100k names this keeps an eighth of the posting lists a part would otherwise read."""

STRONG = frozenset({SAME, GIVEN, PATRONYMIC, INITIAL, SHORT})
"""Rules whose similarity is taken at face value (not an edit cost)."""

SURNAME_ROLE, FIRST_ROLE, GIVEN_ROLE, PATRONYMIC_ROLE = "s", "f", "g", "p"
OMIT = {SURNAME_ROLE: 0.5, FIRST_ROLE: 0.7, GIVEN_ROLE: 0.35, PATRONYMIC_ROLE: 0.15}
"""Share of a table part's weight charged when the query leaves it out, by role."""
EXTRA = 0.35
"""Share of a query part's weight charged when the table name has nothing like it."""
EXTRA_PATRONYMIC = 0.15
REPEATED = 0.15
"""Share of the weight charged for a table part left out that the name repeats."""
INITIAL_WEIGHT = 0.3
"""An initial weighs this share of the part it stands for."""
INITIAL_SIM = 0.9
"""How alike an initial and a part it may stand for are."""
LOW = 0.3
"""A pair aligned by edit cost is evidence in proportion to how far its similarity is
above this: two parts 0.7 alike are more likely two names than one."""
FIRST_GIVEN = 0.7
"""Share of the weight charged for a first given name left out or added: in Arabic and
Slavic names alike it is the person's own name, the rest being father and family."""
SURNAME_ALONE = 0.85
"""A query that is one table surname alone scores at most this (the exact surname rule's
score), scaled by how alike the two spellings are."""
CAP = 0.99
"""Fuzzy scores stay below an exact match's 1.0."""


class FuzzyData(NamedTuple):
    """How the fuzzy part of an index is stored: packed arrays that load at disk speed.

    Per name: its entity, its parts (numbers into ``parts``), their roles and its
    listed spelling; per part: its number, the names holding it, its weight, and its
    comparison data (spelling codes and blocking keys).
    """

    entities: array[int]
    tokens: Groups
    roles: Strings
    spellings: Strings
    parts: Strings
    numbers: KeyIndex
    postings: Groups
    weights: array[float]
    codes: PartCodes


class Pair(NamedTuple):
    """Two parts aligned: the query's, the table's, how alike (0..1) and by which rule."""

    query: str
    table: str
    score: float
    rule: str


class Scored(NamedTuple):
    """One candidate name, scored, with the alignment that explains its score (a
    named tuple: a lookup makes one per name it reports, and a frozen dataclass took
    several times as long to build)."""

    name: int
    entity: int
    score: float
    spelling: str
    pairs: tuple[Pair, ...]
    missing: tuple[str, ...]
    """Table parts the query leaves out (role-tagged: "ryhoravich/p")."""
    extra: tuple[str, ...]
    """Query parts with no partner in the table name."""
    conflicts: tuple[tuple[str, str], ...]
    """Query and table parts that contradict each other (both present, unalike)."""


@lru_cache(maxsize=1 << 16)
def parts(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Folded tokens as fuzzy parts: compounds joined, articles and titles dropped
    (remembered: a batch reads a name's parts to prepare its neighbours, then to score
    it).

    ``parts(("abd", "al", "rahman", "al", "zomor")) == ("abdalrahman", "zomor")``,
    ``parts(("dr", "sahir", "burhan")) == ("sahir", "burhan")``.
    """
    titles = structure().titles
    if titles.isdisjoint(tokens):  # most names: one set test
        return _joined(tokens)
    untitled = _joined(tuple(t for t in tokens if t not in titles))
    return untitled if len(untitled) > 1 else _joined(tokens)


def _joined(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Compounds joined, articles dropped (see :func:`parts`)."""
    words = structure()
    if words.joining.isdisjoint(tokens):  # most names: nothing to join or drop
        return tokens
    articles, heads, tails = words.articles, words.compound_heads, words.compound_tails
    toks = list(tokens)
    out: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok in heads and i + 1 < len(toks):
            j = i + 1
            while j < len(toks) - 1 and toks[j] in articles:
                j += 1
            out.append("".join(toks[i : j + 1]))
            i = j + 1
            continue
        if tok in tails and out:
            # the article before the tail was dropped already: put it back inside
            prev = toks[i - 1] if i >= 1 and toks[i - 1] in articles else ""
            out[-1] = out[-1] + prev + tok
            i += 1
            continue
        if tok not in articles:
            out.append(tok)
        i += 1
    return tuple(out)


@lru_cache(maxsize=1 << 14)
def fathers(given: tuple[str, ...]) -> frozenset[str]:
    """The parts of folded given names that follow "son of" (bin, ben, ibn): fathers'
    names, which weigh as patronymics. A particle that starts the names is part of a
    surname (Bin Laden), not a nasab.

    ``fathers(("mehdi", "ben", "mohamed")) == {"mohamed"}``.
    """
    nasab = structure().nasab
    if nasab.isdisjoint(given):
        return frozenset()
    found = set()
    for i, tok in enumerate(given[1:-1], 1):
        if tok in nasab:
            after = parts(given[i + 1 :])
            if after:
                found.add(after[0])
    return frozenset(found)


@lru_cache(maxsize=1 << 16)
def _is_patronymic(part: str) -> bool:
    """Whether a part reads as a patronymic: by its ending, or as a known father's."""
    return _reads_as_patronymic(part, patronymic_group(part) if len(part) > 6 else None)


def _reads_as_patronymic(part: str, father: str | None) -> bool:
    """:func:`_is_patronymic` of a part whose father group (see
    :func:`namenorm.names.patronymic_group`) is known already: a new query part's
    reading has found it (``Near.father``)."""
    return part.endswith(structure().patronymic_endings) or (len(part) > 6 and father is not None)


def name_parts(text: str, lang: str | None, person: bool) -> tuple[tuple[str, ...], str]:
    """The parts of a listed spelling and their roles (s surname, g given, p patronymic)."""
    split = split_person(text) if (person or "," in text) else None
    if split is None:
        surname = parts(fold(text, lang))
        return surname, SURNAME_ROLE * len(surname)
    surname = parts(fold(split.surname, lang))
    given_tokens = fold(" ".join(split.given), lang)
    given = parts(given_tokens)
    father = fathers(given_tokens)
    roles = [
        FIRST_ROLE
        if k == 0
        else PATRONYMIC_ROLE
        if _is_patronymic(g) or g in father
        else GIVEN_ROLE
        for k, g in enumerate(given)
    ]
    return surname + given, SURNAME_ROLE * len(surname) + "".join(roles)


def build(names: Sequence[tuple[int, str, str | None, bool]]) -> FuzzyData:
    """The fuzzy part of an index from (entity, spelling, language tag, is a person)."""
    entities: list[int] = []
    tokens: list[tuple[str, ...]] = []
    roles: list[str] = []
    spellings: list[str] = []
    seen: set[tuple[int, tuple[str, ...]]] = set()
    postings: dict[str, list[int]] = {}
    # Spellings that say where the surname is ("SURNAME, Given") first: the same parts
    # in natural order (a canonical "Given SURNAME") add nothing but a guess.
    ordered = sorted(names, key=lambda n: "," not in n[1])
    for entity, text, lang, person in ordered:
        toks, role = name_parts(text, lang, person)
        if not toks or (entity, tuple(sorted(toks))) in seen:
            continue
        seen.add((entity, tuple(sorted(toks))))
        number = len(entities)
        entities.append(entity)
        tokens.append(toks)
        roles.append(role)
        spellings.append(text)
        for tok in set(toks):
            postings.setdefault(tok, []).append(number)
    table_parts = list(postings)
    numbers = {tok: n for n, tok in enumerate(table_parts)}
    log_n = math.log(len(entities) + 1)
    # IDF: log(names / names holding the part), at least 1.
    weights = [max(1.0, log_n - math.log(len(postings[p]))) for p in table_parts]
    return FuzzyData(
        entities=array("i", entities),
        tokens=Groups.of([numbers[t] for t in toks] for toks in tokens),
        roles=Strings.of(roles),
        spellings=Strings.of(spellings),
        parts=Strings.of(table_parts),
        numbers=part_numbers(table_parts),
        postings=Groups.of(postings[p] for p in table_parts),
        weights=array("d", weights),
        codes=build_codes(table_parts),
    )


class _Name(NamedTuple):
    """One table name, unpacked for scoring."""

    parts: tuple[int, ...]
    texts: tuple[str, ...]
    roles: str
    weights: tuple[float, ...]


class _Evidence(NamedTuple):
    """What one query part says about the names its neighbours lead to."""

    names: Ints
    evidence: Floats
    common_names: Ints
    """Names reached only through parts in more than COMMON names."""
    common_evidence: Floats


class FuzzyIndex:
    """The fuzzy part of an index: candidates through neighbours and postings, then scores."""

    def __init__(self, data: FuzzyData) -> None:
        self.entities = data.entities
        self.spellings = data.spellings
        self._spelling_at = data.spellings.reader()
        self._tokens = data.tokens
        self._roles = data.roles
        self._texts = data.parts.as_list()
        self._weights = data.weights
        self._postings = data.postings
        self._evidence: dict[str, _Evidence] = {}
        self._credit: dict[str, dict[int, float]] = {}
        self._share: dict[int, tuple[tuple[int, float, float], ...]] = {}
        self.neighbours = Neighbours(data.codes, data.numbers)
        self._log_n = math.log(len(self.entities) + 1)
        self._names: dict[int, _Name] = {}
        self._query_weights: dict[str, float] = {}
        self._local = threading.local()
        self._kernel_table: Table | None = None
        self._kernel_parts: dict[str, Part] = {}
        self._kernel_params = (
            CANDIDATES,
            LOW,
            INITIAL_WEIGHT,
            INITIAL_SIM,
            SAME_CODE,
            OMIT[SURNAME_ROLE],
            OMIT[FIRST_ROLE],
            OMIT[GIVEN_ROLE],
            OMIT[PATRONYMIC_ROLE],
            EXTRA,
            EXTRA_PATRONYMIC,
            REPEATED,
            FIRST_GIVEN,
            SURNAME_ALONE,
            CAP,
            self._log_n,
            sum(1 << NEAR_RULES.index(rule) for rule in STRONG),
            NEAR_RULES.index(INITIAL),
        )

    def load(self) -> None:
        """Build now what the first fuzzy lookup would: the kernel's table of names,
        the name data and phonetic rules, the key tables."""
        self._table()
        self._scratch()
        self.neighbours.load()
        given_names()
        patronymics()
        speller()
        structure()

    def _name(self, name: int) -> _Name:
        found = self._names.get(name)
        if found is None:
            numbers = self._tokens[name]
            texts, weights = self._texts, self._weights
            found = _Name(
                numbers,
                tuple([texts[t] for t in numbers]),
                self._roles[name],
                tuple([weights[t] for t in numbers]),
            )
            if len(self._names) > 200_000:
                self._names.clear()
            self._names[name] = found
        return found

    def candidates(
        self,
        query: tuple[str, ...],
        first: int | None = None,
        floor: float | None = None,
        father: frozenset[str] = frozenset(),
    ) -> list[Scored]:
        """Candidate names scored, best first (several may share an entity).

        ``first`` is the position of the query's first given name, when its writer
        said so ("SURNAME, Given ..."); ``father`` holds its parts that follow "son of"
        (see :func:`fathers`). With ``floor``, names that provably score below
        it are left out unscored (a lookup needs only the names that could match or
        tie; an explanation wants the near misses too).
        """
        if not query or all(len(p) < 2 for p in query):
            return []
        self.prepare(query)
        nears = [self.neighbours.of(p) for p in query]
        chosen = self._by_evidence(query, nears)
        # A lone part may be lifted to the surname rule's score, and a query initial
        # aligns outside the neighbours: the bound covers neither.
        if floor is not None and len(query) > 1 and all(len(p) > 1 for p in query):
            credits = self._credits(query, nears)
            chosen = [n for n in chosen if self._could_reach(credits, n, floor)]
        scored = [self.score(query, nears, n, first, father) for n in chosen]
        scored.sort(key=lambda s: -s.score)
        return scored

    def rank(
        self,
        query: tuple[str, ...],
        first: int | None = None,
        floor: float | None = None,
        father: frozenset[str] = frozenset(),
    ) -> list[tuple[int, float]]:
        """The names a lookup weighs and their scores, best first: what
        :meth:`candidates` finds, without the explanations (:meth:`lookup` ranks the
        same way, then explains only the names it reports).

        The evidence, the bound and the scores are computed by the compiled kernel
        (``namenorm._kernel.Table.rank``), step for step as :meth:`candidates` does.
        """
        bound = _kernel_floor(query, floor)
        if bound is None:
            return []
        read, fathers = self._kernel_query(query, father)
        return (self._kernel_table or self._table()).rank(
            read, fathers, bound, -1 if first is None else first, self._scratch()
        )

    def explained(
        self,
        query: tuple[str, ...],
        name: int,
        first: int | None = None,
        father: frozenset[str] = frozenset(),
    ) -> Scored:
        """One name scored and explained by the kernel: what :meth:`score` gives, from
        the compiled scorer (the explanation :meth:`lookup` gives of each name it
        reports)."""
        read, fathers = self._kernel_query(query, father)
        why = (self._kernel_table or self._table()).explain(
            read, fathers, name, -1 if first is None else first
        )
        return self._scored(query, name, *why)

    def lookup(
        self,
        query: tuple[str, ...],
        threshold: float,
        margin: float,
        first: int | None = None,
        father: frozenset[str] = frozenset(),
    ) -> list[Scored]:
        """What a lookup reports, explained: the best name of each entity :meth:`rank`
        finds with the floor ``threshold - margin``; nothing when the best scores
        under ``threshold``, else the names within ``margin`` of it (two or more: a
        tie). One kernel call (``Table.lookup``) does what ranking, choosing and
        :meth:`explained` would.

        Every fuzzy query comes this way, so it reads the query's parts inline (what
        :meth:`_kernel_query` does for :meth:`rank`, with a memo a lookup never
        needs): that call was a tenth of a lookup's Python.
        """
        bound = _kernel_floor(query, threshold - margin)
        if bound is None:
            return []
        known = self._kernel_parts
        try:  # a batch has read its parts already (Resolver.resolve_many)
            read = tuple([known[p] for p in query])
        except KeyError:
            self.prepare(query)  # the parts' neighbours and evidence, in one batch
            read = tuple([known.get(p) or self._kernel_part(p) for p in query])
        found = (self._kernel_table or self._table()).lookup(
            read,
            bytes([p in father for p in query]) if father else b"",
            bound,
            -1 if first is None else first,
            self._scratch(),
            threshold,
            margin,
        )
        return [self._scored(query, name, *why) for name, why in found]

    def _scored(
        self,
        query: tuple[str, ...],
        name: int,
        score: float,
        pairs: tuple[tuple[int, int, float, int], ...],
        missing: tuple[int, ...],
        extra: tuple[int, ...],
        conflicts: tuple[tuple[int, int], ...],
    ) -> Scored:
        """A name's explanation from the kernel's positions, as :meth:`score` words it."""
        found = self._names.get(name) or self._name(name)
        toks = found.texts
        # The records are made by tuple.__new__, as a named tuple's _make does: its
        # own __new__ is a Python function, three times slower, and a lookup makes
        # one Pair per aligned part of every name it reports.
        return _new(
            Scored,
            (
                name,
                self.entities[name],
                score,
                self._spelling_at(name),
                tuple(
                    [_new(Pair, (query[i], toks[j], sim, NEAR_RULES[r])) for i, j, sim, r in pairs]
                ),
                tuple([f"{toks[j]}/{found.roles[j]}" for j in missing]) if missing else (),
                tuple([query[i] for i in extra]) if extra else (),
                tuple([(query[i], toks[j]) for i, j in conflicts]) if conflicts else (),
            ),
        )

    def _kernel_query(
        self, query: tuple[str, ...], father: frozenset[str]
    ) -> tuple[tuple[Part, ...], bytes]:
        """A query as the kernel reads it: its parts (each read once, see
        :meth:`_kernel_part`) and a byte per part that follows "son of" (none when no
        part does). The last query read in this thread is kept, so that ranking a query
        and then explaining its names one by one reads it once."""
        local = self._local
        last = getattr(local, "last_query", None)
        if last is not None and last[0] == query and last[1] == father:
            return last[2]  # type: ignore[no-any-return]
        get = self._kernel_parts.get
        read = tuple([get(p) for p in query])
        if None in read:
            self.prepare(query)  # the parts' neighbours and evidence, in one batch
            read = tuple([get(p) or self._kernel_part(p) for p in query])
        fathers = bytes([p in father for p in query]) if father else b""
        found = (read, fathers)
        local.last_query = (query, father, found)
        return found  # type: ignore[return-value]

    def _kernel_part(self, part: str) -> Part:
        """A query part read for the kernel (remembered): its neighbours, the names they
        lead to with its evidence for each (see :meth:`_evidence_of`), its weight and
        whether it reads as a patronymic or a given name."""
        found = self._kernel_parts.get(part)
        if found is None:
            near = self.neighbours.of(part) if len(part) > 1 else EMPTY
            if near is EMPTY:  # one letter, or not folded: nothing was read
                patronymic, no_group = _is_patronymic(part), given_group(part) is None
            else:  # what reading the part found out
                patronymic = _reads_as_patronymic(part, near.father)
                no_group = near.given is None
            found = self._table().part(
                near.raw,
                ord(part[0]),
                len(part) == 1,
                patronymic,
                no_group,
                near.own,
                EVIDENCE_SIM,
                COMMON,
                self._scratch(),
            )
            if len(self._kernel_parts) >= 100_000:
                self._kernel_parts.clear()
                self._evidence.clear()
            self._kernel_parts[part] = found
        return found

    def _table(self) -> Table:
        """The table's names as the kernel reads them (see ``_kernel.c``)."""
        if self._kernel_table is None:
            texts = self._texts
            self._kernel_table = Table(
                self._tokens.starts,
                self._tokens.items,
                self._roles.blob,
                self._roles.offsets,
                self._weights,
                array("i", [ord(t[0]) if t else 0 for t in texts]),
                bytes(len(t) == 1 for t in texts),
                self._postings.starts,
                self._postings.items,
                self._kernel_params,
                self.entities,
            )
        return self._kernel_table

    def _credits(self, query: tuple[str, ...], nears: list[Near]) -> dict[int, float]:
        """What aligning each table part with its best neighbour in the query would
        earn (see score)."""
        best: dict[int, float] = {}
        for part, near in zip(query, nears, strict=True):
            found = self._credit.get(part)
            if found is None:
                found = {
                    number: sim if rule in STRONG else (sim - LOW) / (SAME_CODE - LOW)
                    for number, (sim, rule) in near.by_part.items()
                }
                if len(self._credit) > 100_000:
                    self._credit.clear()
                self._credit[part] = found
            if not best:
                best = dict(found)
                continue
            get = best.get
            for number, credit in found.items():
                if credit > get(number, -1.0):
                    best[number] = credit
        return best

    def _shares(self, name: int) -> tuple[tuple[int, float, float], ...]:
        """Per part of a name: its number, weight and the share of it leaving it out
        costs (-1 for an initial, which may align with a query part's first letter)."""
        found = self._share.get(name)
        if found is None:
            numbers, toks, roles, weights = self._name(name)
            found = tuple(
                (
                    number,
                    w,
                    -1.0 if len(tok) == 1 else REPEATED if toks.count(tok) > 1 else OMIT[role],
                )
                for number, tok, role, w in zip(numbers, toks, roles, weights, strict=True)
            )
            if len(self._share) > 200_000:
                self._share.clear()
            self._share[name] = found
        return found

    def prepare(self, parts: Sequence[str]) -> None:
        """Find the neighbours of a batch's parts and the names they lead to."""
        known = self._kernel_parts
        todo = [p for p in dict.fromkeys(parts) if p not in known]
        self.neighbours.prepare(todo)
        for part in todo:
            self._kernel_part(part)

    def _evidence_of(self, part: str) -> _Evidence:
        """The names a query part's neighbours lead to, with the part's evidence for each.

        Only neighbours at least EVIDENCE_SIM alike lead to names. Evidence is
        similarity x weight of the name's part most like the query part
        (one query part is evidence for a name once, through its best part there: a
        name with many parts loosely like it is no likelier than one with a close
        one). Names reached only through a part in more than COMMON names are kept
        apart (they only confirm what rarer parts found). The kernel computes it when
        it reads the part (``Table.part``); this is its reading as arrays.
        """
        found = self._evidence.get(part)
        if found is None:
            import numpy as np

            read = self._kernel_part(part)
            raw, rare = read.evidence, read.rare
            n = len(raw) // 16
            names = np.frombuffer(raw, np.int64, n)
            evidence = np.frombuffer(raw, np.float64, n, 8 * n)
            found = self._evidence[part] = _Evidence(
                names[:rare], evidence[:rare], names[rare:], evidence[rare:]
            )
        return found

    def evidence_by_numpy(self, nears: list[Near]) -> list[_Evidence]:
        """The evidence of several query parts' neighbours, read in one vectorised
        numpy step: the reference the kernel's ``Table.part`` is tested against."""
        import numpy as np

        parts = list(range(len(nears)))
        strong = [n.sims >= EVIDENCE_SIM for n in nears]
        counts = [int(np.count_nonzero(s)) for s in strong]
        table_parts = np.concatenate([n.parts[s] for n, s in zip(nears, strong, strict=True)])
        starts = np.frombuffer(self._postings.starts, dtype=np.uint64).astype(np.int64)
        first = starts[table_parts]
        lengths = starts[table_parts + 1] - first
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        offsets = np.repeat(first - (ends - lengths), lengths) + np.arange(total)
        names = np.frombuffer(self._postings.items, dtype=np.int64)[offsets]
        sims = np.concatenate([n.sims[s] for n, s in zip(nears, strong, strict=True)])
        part_weights = np.frombuffer(self._weights, dtype=np.float64)
        weights = np.repeat(sims * part_weights[table_parts], lengths)
        # Per (query part, common or not, name): the heaviest evidence.
        group = np.repeat(
            np.repeat(np.arange(len(parts), dtype=np.int64), counts) * 2 + (lengths > COMMON),
            lengths,
        )
        key = group * len(self.entities) + names
        order = np.argsort(key)
        key = key[order]
        first_of_key = np.flatnonzero(np.diff(key, prepend=-1))
        weights = np.maximum.reduceat(weights[order], first_of_key) if len(key) else weights[order]
        key = key[first_of_key]
        group, names = np.divmod(key, len(self.entities))
        bounds = np.searchsorted(group, np.arange(2 * len(parts) + 1)).tolist()
        found = []
        for k in parts:
            rare, common, end = bounds[2 * k], bounds[2 * k + 1], bounds[2 * k + 2]
            found.append(
                _Evidence(
                    names[rare:common], weights[rare:common], names[common:end], weights[common:end]
                )
            )
        return found

    def _by_evidence(self, query: tuple[str, ...], nears: list[Near]) -> list[int]:
        """The names the query's neighbours lead to, most evidence first (ties by
        number); only the best few (CANDIDATES) are scored."""
        import numpy as np

        found = [
            e for e in (self._evidence_of(p) for p in query) if len(e.names) or len(e.common_names)
        ]
        if not found:
            return []
        rare = [e for e in found if len(e.names)]
        common = [e for e in found if len(e.common_names)]
        if len(found) == 1 and not common:
            names, evidence = found[0].names, found[0].evidence
        else:
            # Sum per name in a dense scratch array (a part's names are distinct, so
            # fancy-index addition is exact), then read the sums back and clear them.
            total = np.frombuffer(self._scratch(), dtype=np.float64)  # a writable view
            for e in rare:
                total[e.names] += e.evidence
            picked = [(e.names, e.evidence) for e in rare]
            for e in common:
                # common parts only confirm names a rarer part found
                keep = total[e.common_names] > 0 if rare else slice(None)
                picked.append((e.common_names[keep], e.common_evidence[keep]))
            for names, evidence in picked[len(rare) :]:
                total[names] += evidence
            names = np.concatenate([n for n, _ in picked])
            evidence = total[names]
            total[names] = 0.0
        # The CANDIDATES best distinct names; a name appears once per part it came
        # through, so they lie within the best CANDIDATES x len(found) entries.
        pool = CANDIDATES * len(found)
        if len(evidence) > pool:
            cut = np.partition(evidence, len(evidence) - pool)[len(evidence) - pool]
            within = np.flatnonzero(evidence >= cut)
            names, evidence = names[within], evidence[within]
        chosen: list[int] = []
        for at in np.lexsort((names, -evidence)).tolist():
            name = int(names[at])
            if not chosen or chosen[-1] != name:
                chosen.append(name)
                if len(chosen) == CANDIDATES:
                    break
        return chosen

    def _scratch(self) -> array[float]:
        """A zeroed array with a slot per name, one per thread."""
        found: array[float] | None = getattr(self._local, "scratch", None)
        if found is None:  # once per thread
            found = self._local.scratch = array("d", bytes(8 * len(self.entities)))
        return found

    def _could_reach(self, credits: dict[int, float], name: int, floor: float) -> bool:
        """Whether a name could score ``floor`` or more against the query; when not, it
        need not be scored.

        A score is CAP x got / total. For each table part, the best the query can do
        is align it with its most similar neighbour (credit c: got += c x w, total += w)
        or leave it out (total += share x w); a part no query part is near can only be
        left out. Taking per part whichever is better against ``floor`` gives the most
        ``got - floor/CAP x total`` can be: below zero, the floor is out of reach.
        Query parts left over only add to the total.
        """
        target = floor / CAP
        initial = max((INITIAL_SIM - target) * INITIAL_WEIGHT, -target * INITIAL_WEIGHT * 0.5)
        most = 0.0
        get = credits.get
        for number, w, share in self._shares(name):
            if share < 0:  # an initial
                most += initial * w
                continue
            left_out = -target * share * w
            credit = get(number)
            most += left_out if credit is None else max((credit - target) * w, left_out)
        return most >= -1e-9

    def score(
        self,
        query: tuple[str, ...],
        nears: list[Near],
        name: int,
        first: int | None = None,
        father: frozenset[str] = frozenset(),
    ) -> Scored:
        """Align the query's parts with one table name's and score the alignment."""
        numbers, toks, roles, weights = self._name(name)
        options: list[tuple[float, int, int, str]] = []
        for i, q in enumerate(query):
            if len(q) == 1:
                for j, text in enumerate(toks):
                    if roles[j] != SURNAME_ROLE and text[0] == q:
                        options.append((INITIAL_SIM, i, j, INITIAL))
                continue
            near = nears[i]
            for j, number in enumerate(numbers):
                found = near.get(number)
                if found is not None:
                    options.append((found[0], i, j, found[1]))
                elif len(toks[j]) == 1 and q[0] == toks[j]:
                    options.append((INITIAL_SIM, i, j, INITIAL))
        options.sort(key=lambda o: -o[0])
        used_q: set[int] = set()
        used_t: set[int] = set()
        pairs: list[Pair] = []
        got = total = 0.0
        for sim, i, j, rule in options:
            if i in used_q or j in used_t:
                continue
            used_q.add(i)
            used_t.add(j)
            w = weights[j] * (INITIAL_WEIGHT if rule == INITIAL else 1.0)
            got += (sim if rule in STRONG else max(0.0, (sim - LOW) / (SAME_CODE - LOW))) * w
            total += w
            pairs.append(Pair(query[i], toks[j], sim, rule))
        # What is left over: omissions, or contradictions when both sides have some.
        left_t = sorted(
            ((weights[j], j) for j in range(len(toks)) if j not in used_t), reverse=True
        )
        left_q = sorted(
            (
                (self._query_weight(query[i], nears[i]), i)
                for i in range(len(query))
                if i not in used_q
            ),
            reverse=True,
        )
        # A part the table name repeats (Ali ... Ali) is often written once: the
        # repetition left out is no evidence against the match.
        aligned = {toks[j] for j in used_t}
        repeated = {j for _, j in left_t if toks[j] in aligned}
        strong_t = [(w, j) for w, j in left_t if len(toks[j]) > 1 and j not in repeated]
        strong_q = [(w, i) for w, i in left_q if len(query[i]) > 1]
        clash = min(len(strong_t), len(strong_q))
        conflicts = tuple(
            (query[i], toks[j])
            for (_, i), (_, j) in zip(strong_q[:clash], strong_t[:clash], strict=True)
        )
        clashing_t = {j for _, j in strong_t[:clash]}
        clashing_q = {i for _, i in strong_q[:clash]}
        for w, j in left_t:
            if j in clashing_t:
                total += w
            elif len(toks[j]) == 1:
                total += w * INITIAL_WEIGHT * 0.5
            elif j in repeated:
                total += w * REPEATED
            elif roles[j] == FIRST_ROLE:
                total += max(w, 0.6 * self._log_n) * FIRST_GIVEN
            else:
                total += w * OMIT[roles[j]]
        for w, i in left_q:
            q = query[i]
            if i in clashing_q:
                total += w
            elif len(q) == 1:
                total += INITIAL_WEIGHT * 0.5
            elif i == first:
                # even a common first name is the person's own: weigh it as a rare one
                total += max(w, 0.6 * self._log_n) * FIRST_GIVEN
            elif q in father or _is_patronymic(q):
                total += w * EXTRA_PATRONYMIC
            else:
                total += w * EXTRA
        score = CAP * got / total if total else 0.0
        if len(query) == 1 and len(pairs) == 1:
            # One part alone is as sure as the exact surname rule at best, times how
            # alike the spellings are; namesakes then tie and stay ambiguous. It may
            # lift a table surname left without its given names, never anything else.
            alone = SURNAME_ALONE * min(1.0, pairs[0].score / SAME_CODE)
            lifts = (
                len(toks) > 1
                and roles.count(SURNAME_ROLE) == 1
                and roles[toks.index(pairs[0].table)] == SURNAME_ROLE
                and given_group(query[0]) is None
            )
            score = max(score, alone) if lifts else min(score, alone)
        return Scored(
            name=name,
            entity=self.entities[name],
            score=score,
            spelling=self.spellings[name],
            pairs=tuple(pairs),
            missing=tuple(f"{toks[j]}/{roles[j]}" for _, j in left_t if j not in clashing_t),
            extra=tuple(query[i] for _, i in left_q if i not in clashing_q),
            conflicts=conflicts,
        )

    def _query_weight(self, part: str, near: Near) -> float:
        """A query part's weight: its own in the table, else its nearest spelling's."""
        if len(part) == 1:
            return 1.0
        found = self._query_weights.get(part)
        if found is None:
            if near.own >= 0:
                found = self._weights[near.own]
            elif len(near.parts):
                found = min(self._weights[n] for n in near.parts.tolist())
            else:
                found = self._log_n
            if len(self._query_weights) > 200_000:
                self._query_weights.clear()
            self._query_weights[part] = found
        return found


def _kernel_floor(query: tuple[str, ...], floor: float | None) -> float | None:
    """The floor the kernel prunes a query's candidates by (see :meth:`FuzzyIndex.
    candidates`): None when the query has nothing to rank (no part of two letters),
    NaN for no pruning (no floor; a lone part, or an initial, which the bound does
    not cover)."""
    if not query:
        return None
    shortest = min(map(len, query))
    if shortest < 2 and max(map(len, query)) < 2:
        return None
    return floor if floor is not None and len(query) > 1 and shortest > 1 else math.nan


def best_by_entity(scored: Sequence[Scored]) -> list[Scored]:
    """The best-scoring name of each entity, best first."""
    out: dict[int, Scored] = {}
    for s in scored:
        if s.entity not in out or s.score > out[s.entity].score:
            out[s.entity] = s
    return sorted(out.values(), key=lambda s: -s.score)
