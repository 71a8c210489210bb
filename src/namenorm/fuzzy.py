"""Fuzzy resolution: spellings nobody listed, found through an index and scored part by part.

When no exact key matches, a name is split into parts (folded tokens, with Arabic
compounds joined and articles dropped), and each part looks up the table's parts
that could be spellings of it: by skeleton (:mod:`namenorm.phonetic`, with one-letter
deletions on both sides, so one unrelated consonant still meets), and by given-name
group (:mod:`namenorm.names`). Those parts lead, through posting lists, to a few
candidate names; only these are scored, never the whole table.

A candidate's score aligns query parts with its parts in any order (greedily, best
pairs first), weighs each part by its rarity in the table (IDF), and charges what is
left over: a part missing from one side costs a fraction of its weight (a dropped
patronymic little, a dropped surname much), a part on each side that found no partner
is a contradiction and costs its full weight. So Alexander Lukashenko stays apart from
Viktor Lukashenko, while a name written without its patronymic still resolves.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from rapidfuzz.distance import Levenshtein

from namenorm.fold import fold
from namenorm.keys import split_person, structure
from namenorm.names import given_group, given_names, patronymic_group
from namenorm.phonetic import block_keys, codes, probe_keys, skeleton_of_code
from namenorm.store import Groups, MultiMap, Strings

MIN_PART = 0.55
"""Two parts less similar than this do not align."""
CANDIDATES = 10
"""Names fully scored per query: the best by their blocking evidence."""
EVIDENCE = 0.5
"""Names whose blocking evidence is below this share of the best one's are not scored."""
COMMON = 5000
"""A part in more names than this only confirms candidates that rarer parts found."""


# Rules recorded for an aligned pair of parts (see Pair.rule).
SAME = "same"
GIVEN = "given-name"
PATRONYMIC = "patronymic"
SPELLING = "spelling"
EDIT = "edit"
INITIAL = "initial"
ARTICLE = "article"

STRONG = frozenset({SAME, GIVEN, PATRONYMIC, INITIAL})
"""Rules whose similarity is taken at face value (not an edit cost)."""

SURNAME_ROLE, FIRST_ROLE, GIVEN_ROLE, PATRONYMIC_ROLE = "s", "f", "g", "p"
OMIT = {SURNAME_ROLE: 0.8, FIRST_ROLE: 0.7, GIVEN_ROLE: 0.35, PATRONYMIC_ROLE: 0.15}
"""Share of a table part's weight charged when the query leaves it out, by role."""
EXTRA = 0.35
"""Share of a query part's weight charged when the table name has nothing like it."""
EXTRA_PATRONYMIC = 0.15
INITIAL_WEIGHT = 0.3
"""An initial weighs this share of the part it stands for."""
VOWEL_COST = 0.2
"""Cost of an edit that leaves the skeleton alone (a vowel, y/j/i, u/v/w), a consonant's 1."""
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


@dataclass
class FuzzyData:
    """How the fuzzy part of an index is stored: packed arrays that load at disk speed.

    Per name: its entity, its parts (numbers into ``parts``), their roles and its
    listed spelling; per part: the names holding it; per blocking key: the parts.
    """

    entities: array[int]
    tokens: Groups
    roles: Strings
    spellings: Strings
    parts: Strings
    postings: MultiMap
    blocks: MultiMap


class _PartTuples:
    """Numbers into the parts table, read back as tuples of parts."""

    def __init__(self, groups: Groups | MultiMap, parts: Strings) -> None:
        self.groups = groups
        self.parts = parts
        self.seen: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, key: Any) -> tuple[str, ...]:
        return tuple(self.parts[i] for i in self.groups[key])

    def get(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        assert isinstance(self.groups, MultiMap)
        cached = self.seen.get(key)
        if cached is None:
            if len(self.seen) > 500_000:
                self.seen.clear()
            cached = self.seen[key] = tuple(self.parts[i] for i in self.groups.get(key))
        return cached or default


class Pair(NamedTuple):
    """Two parts aligned: the query's, the table's, how alike (0..1) and by which rule."""

    query: str
    table: str
    score: float
    rule: str


@dataclass(frozen=True)
class Scored:
    """One candidate name, scored, with the alignment that explains its score."""

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


def parts(tokens: Iterable[str]) -> tuple[str, ...]:
    """Folded tokens as fuzzy parts: compounds joined, articles dropped.

    ``parts(("abd", "al", "rahman", "al", "zomor")) == ("abdalrahman", "zomor")``.
    """
    words = structure()
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


def _is_patronymic(part: str) -> bool:
    return any(part.endswith(e) for e in structure().patronymic_endings) or (
        len(part) > 6 and patronymic_group(part) is not None
    )


def name_parts(text: str, lang: str | None, person: bool) -> tuple[tuple[str, ...], str]:
    """The parts of a listed spelling and their roles (s surname, g given, p patronymic)."""
    split = split_person(text) if (person or "," in text) else None
    if split is None:
        surname = parts(fold(text, lang))
        return surname, SURNAME_ROLE * len(surname)
    surname = parts(fold(split.surname, lang))
    given = parts(fold(" ".join(split.given), lang))
    roles = [
        FIRST_ROLE if k == 0 else PATRONYMIC_ROLE if _is_patronymic(g) else GIVEN_ROLE
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
    numbers = {tok: n for n, tok in enumerate(postings)}
    blocks: dict[str, list[int]] = {}
    for tok, n in numbers.items():
        if len(tok) < 2:
            continue
        for block in block_keys(tok):
            blocks.setdefault(block, []).append(n)
    return FuzzyData(
        entities=array("i", entities),
        tokens=Groups.of([numbers[t] for t in toks] for toks in tokens),
        roles=Strings.of(roles),
        spellings=Strings.of(spellings),
        parts=Strings.of(numbers),
        postings=MultiMap.of(postings),
        blocks=MultiMap.of(blocks),
    )


def _code_similarity(a: str, b: str) -> float:
    """Similarity of two spelling codes: consonant edits cost 1, vowel-like ones less."""
    if a == b:
        return 0.97
    d = Levenshtein.distance(a, b)
    dk = Levenshtein.distance(skeleton_of_code(a), skeleton_of_code(b))
    cost = VOWEL_COST * max(d - dk, 0) + dk
    return max(0.0, 0.97 - cost / (0.5 * max(len(a), len(b)) + 1.0))


def part_similarity(a: str, b: str) -> tuple[float, str]:
    """How alike two parts are (0..1), and the rule that says so.

    Same given-name group or same father's name: alike; two different given names or
    patronymics: unalike whatever their letters; otherwise the transliteration-aware
    edit cost of their spelling codes (every reading of each), or of the rest after an
    article fused to the front (Alzomor ~ Zomor).
    """
    if a == b:
        return 1.0, SAME
    ga, gb = given_group(a), given_group(b)
    if ga is not None and gb is not None:
        return (0.95, GIVEN) if ga == gb else (0.0, GIVEN)
    pa, pb = patronymic_group(a), patronymic_group(b)
    if pa is not None and pb is not None and len(a) > 5 and len(b) > 5:
        return (0.95, PATRONYMIC) if pa == pb else (0.0, PATRONYMIC)
    best = max(_code_similarity(x, y) for x in codes(a) for y in codes(b))
    rule = SPELLING if best >= 0.97 else EDIT
    fused = structure().fused_articles
    for x, y in ((a, b), (b, a)):
        if x.startswith(fused) and len(x) >= 5 and not y.startswith(fused):
            inner = part_similarity(x[2:], y)[0] * 0.97
            if inner > best:
                best, rule = inner, ARTICLE
    return best, rule


class FuzzyIndex:
    """The fuzzy part of an index, with the caches that make repeated parts cheap."""

    def __init__(self, data: FuzzyData) -> None:
        self.entities = data.entities
        self.tokens = _PartTuples(data.tokens, data.parts)
        self.roles = data.roles
        self.spellings = data.spellings
        self._packed_postings = data.postings
        self._postings: dict[str, tuple[int, ...]] = {}
        self._weight: dict[str, float] = {}
        self.blocks = _PartTuples(data.blocks, data.parts)
        self._log_n = math.log(len(self.entities) + 1)
        self._similar: dict[str, dict[str, tuple[float, str]]] = {}
        self._weights: dict[int, list[float]] = {}

    def names_of(self, part: str) -> tuple[int, ...]:
        """The table names holding a part (empty when none), remembered once read."""
        found = self._postings.get(part)
        if found is None:
            if len(self._postings) > 500_000:
                self._postings.clear()
            found = self._postings[part] = self._packed_postings.get(part)
        return found

    def weight(self, part: str) -> float:
        """The IDF weight of a table part: log(names / names holding it), at least 1."""
        found = self._weight.get(part)
        if found is None:
            df = len(self.names_of(part))
            found = self._log_n if not df else max(1.0, self._log_n - math.log(df))
            if len(self._weight) > 500_000:
                self._weight.clear()
            self._weight[part] = found
        return found

    def similar(self, part: str) -> dict[str, tuple[float, str]]:
        """Table parts that could be spellings of ``part``, with similarity and rule."""
        found = self._similar.get(part)
        if found is not None:
            return found
        out: dict[str, tuple[float, str]] = {}
        if self.names_of(part):
            out[part] = (1.0, SAME)
        if len(part) >= 2:
            group = given_group(part)
            if group is not None:
                for form in given_names().forms[group]:
                    if form != part and self.names_of(form):
                        out[form] = (0.95, GIVEN)
            blocks = self.blocks
            seen: set[str] = set(out)
            for block in probe_keys(part):
                for other in blocks.get(block, ()):
                    if other not in seen:
                        seen.add(other)
                        sim = part_similarity(part, other)
                        if sim[0] >= MIN_PART:
                            out[other] = sim
            if part.startswith(structure().fused_articles) and len(part) >= 5:
                for other, sim in self.similar(part[2:]).items():
                    if other not in out and sim[0] * 0.97 >= MIN_PART:
                        out[other] = (sim[0] * 0.97, ARTICLE)
        if len(self._similar) > 200_000:
            self._similar.clear()
        self._similar[part] = out
        return out

    def candidates(self, query: tuple[str, ...], first: int | None = None) -> list[Scored]:
        """Candidate names scored, best first (several may share an entity).

        ``first`` is the position of the query's first given name, when its writer
        said so ("SURNAME, Given ...").
        """
        if not query or all(len(p) < 2 for p in query):
            return []
        sims = [self.similar(p) if len(p) >= 2 else {} for p in query]
        evidence: dict[int, float] = {}
        # Rare parts first: a common one only confirms names that rarer ones found.
        order = sorted(
            range(len(query)),
            key=lambda i: min((len(self.names_of(t)) for t in sims[i]), default=1 << 30),
        )
        for i in order:
            for tok, (sim, _) in sims[i].items():
                names = self.names_of(tok)
                w = sim * self.weight(tok)
                if len(names) > COMMON and evidence:
                    for n in names:
                        if n in evidence:
                            evidence[n] += w
                else:
                    for n in names:
                        evidence[n] = evidence.get(n, 0.0) + w
        best = heapq.nlargest(CANDIDATES, evidence.items(), key=lambda kv: kv[1])
        floor = best[0][1] * EVIDENCE if best else 0.0
        scored = [self.score(query, sims, n, first) for n, e in best if e >= floor]
        scored.sort(key=lambda s: -s.score)
        return scored

    def score(
        self,
        query: tuple[str, ...],
        sims: list[dict[str, tuple[float, str]]],
        name: int,
        first: int | None = None,
    ) -> Scored:
        """Align the query's parts with one table name's and score the alignment."""
        toks = self.tokens[name]
        roles = self.roles[name]
        weights = self._weights.get(name)
        if weights is None:
            weights = self._weights[name] = [self.weight(t) for t in toks]
        options: list[tuple[float, int, int, str]] = []
        for i, q in enumerate(query):
            if len(q) == 1:
                for j, t in enumerate(toks):
                    if roles[j] != SURNAME_ROLE and t[0] == q:
                        options.append((0.9, i, j, INITIAL))
                continue
            si = sims[i]
            for j, t in enumerate(toks):
                found = si.get(t)
                if found is not None:
                    options.append((found[0], i, j, found[1]))
                elif len(t) == 1 and q[0] == t:
                    options.append((0.9, i, j, INITIAL))
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
            got += (sim if rule in STRONG else max(0.0, (sim - LOW) / (0.97 - LOW))) * w
            total += w
            pairs.append(Pair(query[i], toks[j], sim, rule))
        # What is left over: omissions, or contradictions when both sides have some.
        left_t = sorted(
            ((weights[j], j) for j in range(len(toks)) if j not in used_t), reverse=True
        )
        left_q = sorted(
            (
                (self._query_weight(query[i], sims[i]), i)
                for i in range(len(query))
                if i not in used_q
            ),
            reverse=True,
        )
        strong_t = [(w, j) for w, j in left_t if len(toks[j]) > 1]
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
            elif _is_patronymic(q):
                total += w * EXTRA_PATRONYMIC
            else:
                total += w * EXTRA
        score = CAP * got / total if total else 0.0
        if len(query) == 1 and len(pairs) == 1:
            # One part alone is as sure as the exact surname rule at best, times how
            # alike the spellings are; namesakes then tie and stay ambiguous. It may
            # lift a table surname left without its given names, never anything else.
            alone = SURNAME_ALONE * min(1.0, pairs[0].score / 0.97)
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

    def _query_weight(self, part: str, sims: dict[str, tuple[float, str]]) -> float:
        """A query part's weight: its own in the table, else its nearest spelling's."""
        if len(part) == 1:
            return 1.0
        if self.names_of(part):
            return self.weight(part)
        if sims:
            return min(self.weight(t) for t in sims)
        return self._log_n


def best_by_entity(scored: Sequence[Scored]) -> list[Scored]:
    """The best-scoring name of each entity, best first."""
    out: dict[int, Scored] = {}
    for s in scored:
        if s.entity not in out or s.score > out[s.entity].score:
            out[s.entity] = s
    return sorted(out.values(), key=lambda s: -s.score)
