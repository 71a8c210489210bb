"""Golden pairs (tests/golden/pairs.yaml): spellings nobody listed that must resolve,
and names that must not, each with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from namenorm.resolver import Resolver

HERE = Path(__file__).parent
PAIRS: dict[str, Any] = yaml.safe_load((HERE / "golden" / "pairs.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def fuzzy_table() -> Resolver:
    return Resolver.from_tables([HERE / "data" / "fuzzy.yaml"], use_cache=False)


def _resolver(name: str, bundled: Resolver, fuzzy_table: Resolver) -> Resolver:
    return bundled if name == "bundled" else fuzzy_table


MATCH = [(t, q, i) for t in ("bundled", "fuzzy") for q, i in PAIRS[t]["match"]]
NO_MATCH = [
    (t, p if isinstance(p, dict) else {"query": p[0], "reason": p[1]})
    for t in ("bundled", "fuzzy")
    for p in PAIRS[t]["no_match"]
]


@pytest.mark.parametrize(("table", "query", "entity"), MATCH, ids=[m[1] for m in MATCH])
def test_must_match(
    table: str, query: str, entity: str, bundled: Resolver, fuzzy_table: Resolver
) -> None:
    match = _resolver(table, bundled, fuzzy_table).lookup(query)
    assert match is not None, query
    assert match.id == entity, match.explain()
    assert 0 < match.score <= 1


@pytest.mark.parametrize(("table", "pair"), NO_MATCH, ids=[p["query"] for _, p in NO_MATCH])
def test_must_not_match(
    table: str, pair: dict[str, str], bundled: Resolver, fuzzy_table: Resolver
) -> None:
    assert pair["reason"]
    result = _resolver(table, bundled, fuzzy_table).resolve(pair["query"], every=True)
    assert result.match is None, (pair["reason"], result.match.explain())
    if "not" in pair:
        assert all(m.id != pair["not"] for m in result.others)


def test_fuzzy_scores_stay_below_exact(bundled: Resolver) -> None:
    match = bundled.lookup("Alexander Lukaschenka")
    assert match is not None and match.rule == "fuzzy"
    assert match.score < 1.0
    assert "lukaschenka~" in match.explain()


def test_fuzzy_match_explains_its_parts(fuzzy_table: Resolver) -> None:
    match = fuzzy_table.lookup("HADDADIN, Abdul Rahman")
    assert match is not None
    tables = {p.table for p in match.pairs}
    assert {"abdulrahman", "haddadin"} <= tables
    assert any(m.startswith("yusuf/") for m in match.missing)
