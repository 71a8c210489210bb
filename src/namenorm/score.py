"""Scores and explanations: how sure a match is, and why it was made.

Every match says which listed spelling it reached, through which key and by which
rule, so that a reviewer can check it without rerunning anything. Exact keys score
by rule: a listed spelling is certain; a derived short form is a little less so,
because it leaves out the parts that would tell two namesakes apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from namenorm.keys import INITIALS, LISTED, SHORT, SURNAME

RULE_SCORES = {LISTED: 1.0, SHORT: 0.95, INITIALS: 0.9, SURNAME: 0.85}
"""The score of an exact-key match, by the rule that produced the key."""

RULE_WORDS = {
    LISTED: "listed spelling",
    SHORT: "listed short form",
    INITIALS: "initial and surname of",
    SURNAME: "surname of",
}


@dataclass(frozen=True)
class Match:
    """A resolved name: which entity, how sure, and why."""

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
    """The folded key the query and the form share."""

    def explain(self) -> str:
        """One line a person can check: which spelling, through which key, which rule."""
        if self.rule in (LISTED, SHORT):
            how = f"{RULE_WORDS[self.rule]} {self.spelling!r}"
        else:
            how = f"{self.form!r}, {RULE_WORDS[self.rule]} {self.spelling!r}"
        return f"{how} via key {self.key!r} (rule {self.rule}, score {self.score:.2f})"

    def as_dict(self) -> dict[str, object]:
        """The match as plain data, for JSON output."""
        return {
            "id": self.id,
            "canonical": self.canonical,
            "score": round(self.score, 4),
            "rule": self.rule,
            "spelling": self.spelling,
            "form": self.form,
            "key": self.key,
            "explanation": self.explain(),
        }
