"""Fuzzy candidates: batches answer as single lookups do, and pruning loses nothing.

Lookup scores only the names that could reach the threshold (less the margin): a
bound says which cannot. These tests check the bound against full scoring on
spellings made from the bundled table (parts dropped, swapped, misspelt), and that
resolving a batch at once gives the answers of resolving name by name.
"""

from __future__ import annotations

import random
from array import array
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import yaml

from namenorm import fuzzy as fuzzy_module
from namenorm.fold import fold
from namenorm.fuzzy import EVIDENCE_SIM, FuzzyIndex, build, fathers, parts
from namenorm.names import given_group, patronymic_group
from namenorm.resolver import Resolver
from namenorm.table import bundled_table_path


def _misspelt(name: str, rng: random.Random) -> str:
    """The name with a few of the changes writers make: letters dropped, doubled,
    swapped for a neighbour in transliteration, parts reordered or left out."""
    words = name.split()
    out = []
    for word in words:
        if len(word) > 4 and rng.random() < 0.5:
            i = rng.randrange(1, len(word) - 1)
            word = rng.choice(
                [
                    word[:i] + word[i + 1 :],
                    word[:i] + word[i] + word[i:],
                    word[:i] + "y" + word[i + 1 :],
                ]
            )
        out.append(word)
    if len(out) > 2 and rng.random() < 0.3:
        out.pop(rng.randrange(len(out)))
    if rng.random() < 0.3:
        out.reverse()
    return " ".join(out)


def _queries(count: int) -> list[str]:
    raw: dict[str, Any] = yaml.safe_load(bundled_table_path().read_text("utf-8"))
    names = [
        n if isinstance(n, str) else n["name"]
        for e in raw["entities"]
        for n in [e["canonical"], *e.get("names", [])]
    ]
    rng = random.Random(3)
    return [_misspelt(rng.choice(names), rng) for _ in range(count)]


QUERIES = _queries(300)


@pytest.mark.parametrize("floor", [0.5, 0.76, 0.9])
def test_pruning_keeps_every_name_that_reaches_the_floor(bundled: Resolver, floor: float) -> None:
    """Every name scoring at least the floor when all are scored is still scored when
    the bound prunes; and pruned lists are never longer."""
    fuzzy = bundled.index.fuzzy
    pruned_some = False
    for query in QUERIES:
        q = parts(fold(query))
        full = fuzzy.candidates(q)
        pruned = fuzzy.candidates(q, floor=floor)
        kept = {s.name: s.score for s in pruned}
        for s in full:
            if s.score >= floor:
                assert kept.get(s.name) == pytest.approx(s.score), (query, s.spelling)
        assert len(pruned) <= len(full)
        pruned_some |= len(pruned) < len(full)
    assert pruned_some, "the bound never pruned anything: the test proves nothing"


def test_lookup_answers_as_the_explanation_does(bundled: Resolver) -> None:
    """A lookup (pruned) and `explain` (everything scored) choose the same entity."""
    for query in QUERIES:
        quick = bundled.resolve(query)
        full = bundled.resolve(query, every=True)
        assert (quick.match.id if quick.match else None) == (
            full.match.id if full.match else None
        ), query
        assert [a.id for a in quick.ambiguous] == [a.id for a in full.ambiguous], query


def _compiled_and_python_agree(fuzzy: FuzzyIndex, queries: list[str]) -> int:
    """Check rank() against candidates() on each query, as written and as "SURNAME,
    Given" (a first given name), with and without a floor; return how many names the
    two scored in all."""
    scored = 0
    for query in queries:
        words = query.split()
        forms = [(query, None)]
        if len(words) > 1:
            forms.append((f"{words[-1]}, {' '.join(words[:-1])}", 1))
        for text, first in forms:
            tokens = fold(text)
            q = parts(tokens)
            father = fathers(tokens[:-1])
            for floor in (None, 0.76):
                found = fuzzy.candidates(q, first, floor, father)
                python = [(s.name, s.score) for s in found]
                assert fuzzy.rank(q, first, floor, father) == python, (text, floor)
                scored += len(python)
            for s in found:
                # the compiled explanation is the Python one, field by field
                assert fuzzy.explained(q, s.name, first, father) == s, (text, s.spelling)
    return scored


def test_compiled_ranking_scores_as_python_does(bundled: Resolver) -> None:
    """The kernel's evidence, bound, scores and explanations are the Python ones, to
    the last bit."""
    assert _compiled_and_python_agree(bundled.index.fuzzy, QUERIES) > 300


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.95])
def test_a_lookup_reports_what_ranking_and_explaining_give(
    bundled: Resolver, threshold: float
) -> None:
    """FuzzyIndex.lookup (one kernel call) reports what rank() then explained() give:
    the best name of each entity, nothing under the threshold, else every name within
    the margin of the best, explained alike."""
    fuzzy, margin = bundled.index.fuzzy, 0.04
    reported = ties = 0
    for query in [*QUERIES, "Babarika", "Lukaschenka", "Tsikhanouskiy"]:  # namesakes tie
        tokens = fold(query)
        q, father = parts(tokens), fathers(tokens[:-1])
        best: dict[int, tuple[int, float]] = {}
        for name, score in fuzzy.rank(q, None, threshold - margin, father):
            best.setdefault(fuzzy.entities[name], (name, score))
        ranked = list(best.values())
        want = []
        if ranked and ranked[0][1] >= threshold:
            top = ranked[0][1]
            want = [fuzzy.explained(q, n, None, father) for n, s in ranked if top - s < margin]
        assert fuzzy.lookup(q, threshold, margin, None, father) == want, query
        reported += len(want)
        ties += len(want) > 1
    assert reported > 50
    assert ties > 0 or threshold > 0.85  # a surname alone, which ties, scores 0.85 at most


def test_compiled_ranking_of_names_longer_than_the_stack_room() -> None:
    """Names and queries of more parts than the kernel scores on the stack (16) are
    scored in allocated room, as Python scores them."""
    rng = random.Random(5)
    words = [
        "abdul",
        "rahman",
        "mohammed",
        "hassan",
        "ali",
        "karimov",
        "yusuf",
        "omar",
        "ibrahim",
        "khalil",
        "nasser",
        "farid",
        "tariq",
        "salim",
        "jamil",
        "rashid",
    ]
    names = [" ".join(rng.choice(words) for _ in range(rng.randint(15, 22))) for _ in range(40)]
    fuzzy = FuzzyIndex(build([(n, name, None, True) for n, name in enumerate(names)]))
    queries = [_misspelt(name, rng) for name in names[:20]]
    assert max(len(parts(fold(q))) for q in queries) > 16
    assert max(len(fuzzy._name(n).texts) for n in range(len(names))) > 16
    assert _compiled_and_python_agree(fuzzy, queries) > 20


def test_compiled_ranking_with_common_parts(
    bundled: Resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts in more than COMMON names only confirm names rarer parts found; on a
    small table that happens once COMMON is small."""
    monkeypatch.setattr(fuzzy_module, "COMMON", 2)
    fuzzy = FuzzyIndex(bundled.index._fuzzy_data)  # type: ignore[arg-type]
    assert _compiled_and_python_agree(fuzzy, QUERIES[:150]) > 100
    commons = [fuzzy._evidence_of(p) for p in fuzzy._kernel_parts]
    assert any(len(e.common_names) for e in commons), "no common part: the test proves nothing"


@pytest.mark.parametrize("common", [5000, 2])
def test_kernel_evidence_is_the_numpy_evidence(
    bundled: Resolver, monkeypatch: pytest.MonkeyPatch, common: int
) -> None:
    """Table.part (a query part at a time) finds the names and evidence the
    vectorised numpy reading finds, to the last bit, rare and common alike."""
    monkeypatch.setattr(fuzzy_module, "COMMON", common)
    fuzzy = FuzzyIndex(bundled.index._fuzzy_data)  # type: ignore[arg-type]
    query_parts = sorted({p for q in QUERIES for p in parts(fold(q)) if len(p) > 1})
    nears = [fuzzy.neighbours.of(p) for p in query_parts]
    fuzzy.prepare(query_parts)
    met = commons = 0
    for part, want in zip(query_parts, fuzzy.evidence_by_numpy(nears), strict=True):
        got = fuzzy._evidence_of(part)
        for a, b in zip(got, want, strict=True):
            assert a.tolist() == b.tolist(), part
        met += len(got.names) + len(got.common_names)
        commons += len(got.common_names)
    assert met > 500
    assert (commons > 0) == (common == 2)


def test_kernel_part_weight_is_the_python_weight(bundled: Resolver) -> None:
    """Table.part weighs a query part as _query_weight does: its own weight, else its
    lightest neighbour's, else that of a part in no name; an initial weighs 1."""
    fuzzy = FuzzyIndex(bundled.index._fuzzy_data)  # type: ignore[arg-type]
    query_parts = sorted({p for q in QUERIES for p in parts(fold(q))} | {"a", "qwxzvbnk"})
    fuzzy.prepare(query_parts)
    kinds = set()
    for part in query_parts:
        near = fuzzy.neighbours.of(part) if len(part) > 1 else None
        want = 1.0 if near is None else fuzzy._query_weight(part, near)
        assert fuzzy._kernel_part(part).weight == want, part
        kinds.add("initial" if near is None else "own" if near.own >= 0 else len(near.parts) > 0)
    assert kinds == {"initial", "own", True, False}, kinds


def test_neighbours_carry_the_groups_the_part_revealed(bundled: Resolver) -> None:
    """A part's neighbours say what reading it found: its given-name group and, past
    five letters, the father it is a patronymic of; the kernel's part is flagged from
    them, so they must be what names.given_group and names.patronymic_group say."""
    fuzzy = FuzzyIndex(bundled.index._fuzzy_data)  # type: ignore[arg-type]
    extra = {"aleksandr", "oleksandrovich", "ryhoravich", "grigorievich", "ivanovna"}
    query_parts = sorted({p for q in QUERIES for p in parts(fold(q)) if len(p) > 1} | extra)
    fuzzy.prepare(query_parts)
    seen = {"given": 0, "father": 0}
    for part in query_parts:
        near = fuzzy.neighbours.of(part)
        assert near.given == given_group(part), part
        assert near.father == (patronymic_group(part) if len(part) > 5 else None), part
        seen["given"] += near.given is not None
        seen["father"] += near.father is not None
    assert min(seen.values()) >= 3, seen


def test_kernel_parts_refuse_what_they_cannot_read(bundled: Resolver) -> None:
    """A Part is checked once, when made: neighbours out of range or out of order, an
    unknown own number, or parts made by another table are errors, not wrong reads."""
    fuzzy = bundled.index.fuzzy
    table, scratch = fuzzy._table(), fuzzy._scratch()
    parts_count = len(fuzzy._weights)

    def near(*numbers: int) -> bytes:
        return b"".join(
            [array("q", numbers).tobytes(), array("d", [0.9] * len(numbers)).tobytes()]
        ) + bytes([4] * len(numbers))

    def part(raw: bytes, own: int = -1) -> object:
        return table.part(raw, ord("a"), False, False, True, own, EVIDENCE_SIM, 5000, scratch)

    part(near(0, 1))  # well formed
    for bad in (near(1, 0), near(parts_count), near(-1), near(0)[:-1]):
        with pytest.raises(ValueError):
            part(bad)
    with pytest.raises(ValueError):
        part(near(0), own=parts_count)
    other = FuzzyIndex(bundled.index._fuzzy_data)  # type: ignore[arg-type]
    foreign = other._kernel_part("lukashenka")
    with pytest.raises(TypeError):
        table.rank((foreign,), b"", 0.5, -1, scratch)
    with pytest.raises(TypeError):
        table.rank(("lukashenka",), b"", 0.5, -1, scratch)  # type: ignore[arg-type]
    mine = fuzzy._kernel_part("lukashenka")
    with pytest.raises(ValueError):  # one father flag per part
        table.rank((mine,), b"\1\1", 0.5, -1, scratch)
    for bad_lookup in (
        ([mine], b"", 0.5, -1, scratch, 0.8, 0.04),  # the query is a tuple
        ((mine,), "", 0.5, -1, scratch, 0.8, 0.04),  # its father flags are bytes
        ((mine,), b"", "0.5", -1, scratch, 0.8, 0.04),
        ((mine,), b"", 0.5, -1, scratch, 0.8),  # seven arguments
    ):
        with pytest.raises(TypeError):
            table.lookup(*bad_lookup)
    with pytest.raises(TypeError):  # the neighbours are bytes
        raw = bytearray(near(0))
        table.part(raw, ord("a"), False, False, True, -1, 0.7, 5000, scratch)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # the first letter is a code point
        table.part(near(0), "a", False, False, True, -1, 0.7, 5000, scratch)  # type: ignore[arg-type]
    assert not any(scratch)  # left zeroed


def test_a_father_flag_makes_a_part_a_patronymic(bundled: Resolver) -> None:
    """A part that follows "son of" is charged as a patronymic when left over: the
    flag byte the kernel takes must change the score of a name that leaves it out."""
    fuzzy = bundled.index.fuzzy
    query = parts(fold("Viktor Mohamed Lukashenka"))  # Viktar Lukashenka: Mohamed extra
    plain = dict(fuzzy.rank(query, None, None, frozenset()))
    fathered = dict(fuzzy.rank(query, None, None, frozenset({"mohamed"})))
    assert plain.keys() == fathered.keys() and plain
    assert all(fathered[n] >= plain[n] for n in plain)  # a patronymic costs less
    assert any(fathered[n] > plain[n] for n in plain)


def test_a_batch_resolves_as_names_one_by_one(bundled: Resolver) -> None:
    """resolve_many compares a batch's parts at once; the answers must not change."""
    one_by_one = Resolver.from_tables()  # its own index object: nothing cached yet
    batch = bundled.resolve_many(QUERIES)
    single = [one_by_one.resolve(q) for q in QUERIES]
    assert [r.query for r in batch] == QUERIES
    for b, s in zip(batch, single, strict=True):
        assert (b.match.id if b.match else None) == (s.match.id if s.match else None), b.query
        assert b.match is None or b.match.score == pytest.approx(s.match.score)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "table", "near"),
    [
        ("nemat", "nematollah", True),  # the tail left off
        ("nematullah", "nemat", True),  # or fused on, in another spelling
        ("ayubkhan", "ayub", True),
        ("nik", "nikola", False),  # a short form has SHORT_HEAD letters at least
        ("nemat", "nematov", False),  # -ov is no short-form tail
    ],
)
def test_short_forms_are_neighbours(query: str, table: str, near: bool) -> None:
    """A compound given name and its short form are neighbours by their own rule."""
    data = build([(0, table.capitalize(), None, False)])
    index = FuzzyIndex(data)
    found = index.neighbours.of(query).by_part
    rules = {rule for _, rule in found.values()}
    assert ("short-form" in rules) is near, found


def test_names_reached_only_through_weak_neighbours_score_under_0_6(bundled: Resolver) -> None:
    """Candidates come only through neighbours EVIDENCE_SIM alike or more. That loses
    nothing a lookup could match: a name none of whose parts aligns that well scores
    under 0.6, whatever it is (every name is scored here, not only candidates)."""
    fuzzy = bundled.index.fuzzy
    weak_only = 0
    for query in QUERIES[:60]:
        q = parts(fold(query))
        if not q or all(len(p) < 2 for p in q):
            continue
        fuzzy.prepare(q)
        nears = [fuzzy.neighbours.of(p) for p in q]
        for name in range(len(fuzzy.entities)):
            scored = fuzzy.score(q, nears, name)
            if scored.pairs and max(p.score for p in scored.pairs) < EVIDENCE_SIM:
                weak_only += 1
                assert scored.score < 0.6, (query, scored)
    assert weak_only > 20, "too few weak-only alignments for the test to mean anything"


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (("abd", "al", "rahman", "al", "zomor"), ("abdalrahman", "zomor")),  # compound, article
        (("nasr", "al", "din", "ghazi"), ("nasraldin", "ghazi")),  # a tail joins the part before
        (("dr", "sahir", "burhan"), ("sahir", "burhan")),  # a title is dropped
        (("sheikh", "nabil", "qawouk"), ("nabil", "qawouk")),
        (("sayyid", "hosseini"), ("sayyid", "hosseini")),  # ... unless one part would be left
        (("hafiz", "saeed"), ("hafiz", "saeed")),  # Hafiz is a given name too: no title
    ],
)
def test_parts_of_a_name(tokens: tuple[str, ...], expected: tuple[str, ...]) -> None:
    """Fuzzy parts: compounds joined, articles and titles dropped, on both sides alike."""
    assert parts(tokens) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (("mehdi", "ben", "mohamed", "ben", "ali"), {"mohamed", "ali"}),
        (("hamid", "bin", "abd", "al", "rahman"), {"abdalrahman"}),  # the whole compound
        (("bin", "laden"), set()),  # a particle that starts the names is a surname's
        (("osama", "bin"), set()),  # nothing after it
        (("ivan", "petrovich"), set()),
    ],
)
def test_fathers_follow_son_of(given: tuple[str, ...], expected: set[str]) -> None:
    """The parts after bin/ben/ibn among the given names are fathers' names."""
    assert fathers(given) == expected


def test_threads_sharing_a_resolver_answer_as_one_thread_does() -> None:
    """Fuzzy lookups keep per-thread scratch arrays and shared caches: threads that
    share one resolver must get the answers a single thread gets."""
    expected = [
        (r.match.id, r.match.score) if r.match else None
        for r in Resolver.from_tables().resolve_many(QUERIES)
    ]
    shared = Resolver.from_tables()  # its own index: every cache starts empty
    chunks = [QUERIES[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda qs: [shared.resolve(q) for q in qs], chunks))
    got: list[tuple[str, float] | None] = [None] * len(QUERIES)
    for k, chunk in enumerate(answers):
        for j, r in enumerate(chunk):
            got[k + 4 * j] = (r.match.id, r.match.score) if r.match else None
    assert got == expected
