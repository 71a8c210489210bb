"""Scores and explanations: how sure a match is, and why it was made.

Every match says which listed spelling it reached, through which key and by which
rule, so that a reviewer can check it without rerunning anything. Exact keys score
by rule: a listed spelling is certain; a derived short form is a little less so,
because it leaves out the parts that would tell two namesakes apart. A fuzzy match
(:mod:`namenorm.fuzzy`) scores below 1.0 and says which parts aligned, how alike
they were and by which rule, and what was left over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from namenorm.keys import INFLECTED, INFLECTED_NAME, INITIALS, LISTED, SHORT, SURNAME

if TYPE_CHECKING:  # the fuzzy machinery is imported only when a lookup needs it
    from namenorm.fuzzy import Pair

THRESHOLD = 0.80
"""Default: a fuzzy match scoring below this is no match. Chosen on the evaluation sets
as the lowest single value keeping false and wrong matches at or under 1% on each
(see README, "Tuning the threshold")."""
MARGIN = 0.04
"""Two entities closer than this at the top are ambiguous: no match, both reported."""

FUZZY = "fuzzy"
"""A spelling nobody listed, matched part by part (see namenorm.fuzzy)."""

RULE_SCORES = {
    LISTED: 1.0,
    SHORT: 0.95,
    INFLECTED_NAME: 0.9,
    INITIALS: 0.9,
    SURNAME: 0.85,
    INFLECTED: 0.8,
}
"""The score of an exact-key match, by the rule that produced the key."""

_WRITTEN: dict[str, dict[float, str]] = {}
"""Spec -> score -> the score written so (see :func:`written`)."""


def written(score: float, spec: str = ".2f") -> str:
    """``format(score, spec)``, remembered: every answer writes its score and each
    aligned part's, from a few thousand distinct values, and formatting a float anew
    costs several times a look-up. The f-strings of answers hold plain strings only:
    compiled (see setup.py), an f-string with a format spec or a conversion becomes a
    ``str.format`` call that parses its template every time."""
    known = _WRITTEN.get(spec)
    if known is None:
        known = _WRITTEN[spec] = {}
    text = known.get(score)
    if text is None:
        if len(known) >= 1 << 16:
            known.clear()
        text = known[score] = format(score, spec)
    return text


RULE_WORDS = {
    LISTED: "listed spelling",
    SHORT: "listed short form",
    INITIALS: "initial and surname of",
    SURNAME: "surname of",
    INFLECTED: "case form of the surname of",
    INFLECTED_NAME: "case form of",
    FUZZY: "fuzzy match of",
}


class Match(NamedTuple):
    """A resolved name: which entity, how sure, and why (an immutable named tuple: a
    lookup makes one per answer, and a frozen dataclass took ten times as long to
    build)."""

    id: str
    canonical: str
    score: float
    """In [0, 1]; 1.0 is an exact match of a listed spelling."""
    rule: str
    """How the query reached the entity (see namenorm.keys.RULES)."""
    spelling: str
    """The listed spelling matched (or the full name a short form was derived from)."""
    form: str
    """The form that matched: the spelling itself or the derived short form."""
    key: str
    """The folded key the query and the form share (for a fuzzy match: the query's)."""
    pairs: tuple[Pair, ...] = ()
    """Fuzzy: the aligned parts, query part, table part, similarity and rule."""
    missing: tuple[str, ...] = ()
    """Fuzzy: table parts the query leaves out, with their role (/s, /g, /p)."""
    extra: tuple[str, ...] = ()
    """Fuzzy: query parts the table name has nothing like."""
    conflicts: tuple[tuple[str, str], ...] = ()
    """Fuzzy: a query part and a table part that contradict each other."""

    def explain(self) -> str:
        """One line a person can check: which spelling, through which key, which rule."""
        # (no format specs or conversions inside these f-strings: see written())
        score, spelling = written(self.score), repr(self.spelling)
        if self.rule == FUZZY:
            return f"{RULE_WORDS[FUZZY]} {spelling}: {self.alignment()} (score {score})"
        if self.rule in (LISTED, SHORT):
            how = f"{RULE_WORDS[self.rule]} {spelling}"
        else:
            form = repr(self.form)
            how = f"{form}, {RULE_WORDS[self.rule]} {spelling}"
        if self.rule == INFLECTED_NAME:  # read word by word, not through a key
            return f"{how} (rule {self.rule}, score {score})"
        key = repr(self.key)
        return f"{how} via key {key} (rule {self.rule}, score {score})"

    def alignment(self) -> str:
        """The fuzzy alignment in one line: ``zumar~zomor 0.80 edit; abbud=abbud; -latif/g``."""
        # (every fuzzy answer of a lookup prints this line: the leftovers, most often
        # none, are only read when there are some)
        items = [
            f"{query}={table}" if rule == "same" else f"{query}~{table} {written(score)} {rule}"
            for query, table, score, rule in self.pairs
        ]
        if self.conflicts:
            items += [f"{q}≠{t} conflict" for q, t in self.conflicts]
        if self.missing:
            items += [f"-{m}" for m in self.missing]
        if self.extra:
            items += [f"+{e}" for e in self.extra]
        return "; ".join(items)

    def describe(self, indent: str = "") -> list[str]:
        """One line per aligned part and per leftover, for the explain command."""
        if self.rule != FUZZY:
            return [f"{indent}{self.explain()}"]
        out = [f"{indent}table spelling: {self.spelling}"]
        for p in self.pairs:
            out.append(f"{indent}{p.query:>16} ~ {p.table:<16} {p.score:.2f}  {p.rule}")
        for q, t in self.conflicts:
            out.append(f"{indent}{q:>16} ≠ {t:<16} conflict (both present, unalike)")
        for part in self.missing:
            out.append(f"{indent}{'':>16} - {part:<16} missing from the query")
        for part in self.extra:
            out.append(f"{indent}{part:>16} +{'':<17}not in the table name")
        return out

    def why_lost(self) -> str:
        """Why a candidate below the threshold lost, in a few words."""
        reasons = []
        if self.conflicts:
            reasons.append(
                "contradicting parts " + ", ".join(f"{q}≠{t}" for q, t in self.conflicts)
            )
        weak = [p for p in self.pairs if p.score < 0.9]
        if weak:
            reasons.append("weak alignments " + ", ".join(f"{p.query}~{p.table}" for p in weak))
        if self.missing:
            reasons.append("missing " + ", ".join(self.missing))
        if self.extra:
            reasons.append("extra " + ", ".join(self.extra))
        return "; ".join(reasons) or "low score"

    def as_dict(self) -> dict[str, object]:
        """The match as plain data, for JSON output."""
        extra: dict[str, object] = {}
        if self.rule == FUZZY:
            extra = {
                "pairs": [
                    {"query": p.query, "table": p.table, "score": round(p.score, 4), "rule": p.rule}
                    for p in self.pairs
                ],
                "missing": list(self.missing),
                "extra": list(self.extra),
                "conflicts": [list(c) for c in self.conflicts],
            }
        return {
            "id": self.id,
            "canonical": self.canonical,
            "score": round(self.score, 4),
            "rule": self.rule,
            "spelling": self.spelling,
            "form": self.form,
            "key": self.key,
            "explanation": self.explain(),
            **extra,
        }
