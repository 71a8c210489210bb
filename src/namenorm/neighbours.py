"""Neighbours of a name part: the table's parts that could be spellings of it.

A query part nobody listed (Tsikhanouskaya, when the table has Tikhanovskaya) is
compared with a few table parts only: those sharing a blocking key with it, i.e. a
skeleton at most one consonant edit away (:mod:`namenorm.phonetic`). Every table
part's spelling codes and skeletons are computed once, when the index is built, and
stored as rows; a query part is then compared with all its candidate rows in one
vectorised step (rapidfuzz's ``cdist`` for the edit distances, numpy for the rest),
which is what keeps fuzzy lookup fast.

How alike two parts are (0..1), by rule:

* ``same``: the same folded part (1.0);
* ``given-name``: two spellings of one given name (0.95), or two different given
  names (0.0, whatever their letters: Aleksandr is not Aleksei);
* ``patronymic``: two forms of one father's name (0.95), or of two different ones (0.0);
* ``spelling``: the same spelling code, another romanisation (0.97);
* ``edit``: a transliteration-aware edit cost between the spelling codes: an edit that
  changes the skeleton (an unrelated consonant) costs 1, one that does not (a vowel,
  y/j/i, u/v/w) costs ``VOWEL_COST``, relative to the parts' length;
* ``article``: as above, after an article fused to the front (Alzomor ~ Zomor).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from namenorm.keys import structure
from namenorm.names import given_group, given_names, patronymic_group
from namenorm.phonetic import DELETED, codes, deletions, probe_keys, skeleton_of_code
from namenorm.store import KeyIndex, MultiMap, Strings

MIN_PART = 0.55
"""Two parts less similar than this are not neighbours."""
VOWEL_COST = 0.2
"""Cost of an edit that leaves the skeleton alone (a vowel, y/j/i, u/v/w), a consonant's 1."""
SAME_CODE = 0.97
"""Two parts with one spelling code (another romanisation of the same letters)."""
GROUP = 0.95
"""Two spellings of one given name, or two forms of one patronymic."""

SAME = "same"
GIVEN = "given-name"
PATRONYMIC = "patronymic"
SPELLING = "spelling"
EDIT = "edit"
INITIAL = "initial"
ARTICLE = "article"
RULES = (SAME, GIVEN, PATRONYMIC, SPELLING, EDIT, INITIAL, ARTICLE)
"""Rule names, numbered by position (the rule arrays hold these numbers)."""
_SAME, _GIVEN, _PATRONYMIC, _SPELLING, _EDIT, _INITIAL, _ARTICLE = range(len(RULES))

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class PartCodes:
    """The stored comparison data of every table part.

    A *row* is one spelling code of one part: a part has one row per reading of its
    letters (see :func:`namenorm.phonetic.codes`), plus rows for the part without a
    fused article. Blocking keys lead to rows; rows lead to their part.
    """

    codes: Strings
    skeletons: Strings
    """The skeleton of each row's code."""
    owner: array[int]
    """Row -> the part it is a code of."""
    stripped: bytes
    """Row -> 1 when its code is of the part with a fused article taken off."""
    fused: bytes
    """Part -> 1 when the part starts with a fused article (al-, el-)."""
    given: array[int]
    """Part -> its given-name group's number, or -1."""
    patronymic: array[int]
    """Part -> the number of the group it is a patronymic of, or -1."""
    groups: Strings
    """Group number -> group id (given-name groups, shared by patronymics)."""
    blocks: MultiMap
    """Blocking key -> rows."""


def build(parts: Sequence[str]) -> PartCodes:
    """The comparison data of a table's parts (numbered by their position)."""
    fused_articles = structure().fused_articles
    row_codes: list[str] = []
    row_skeletons: list[str] = []
    owner = array("q")
    stripped = bytearray()
    fused = bytearray(len(parts))
    given = array("q", [-1]) * len(parts)
    patronymic = array("q", [-1]) * len(parts)
    group_numbers: dict[str, int] = {}
    blocks: dict[str, list[int]] = {}

    def add(number: int, part: str, without_article: int) -> None:
        for code in codes(part):
            row = len(row_codes)
            skeleton = skeleton_of_code(code)
            row_codes.append(code)
            row_skeletons.append(skeleton)
            owner.append(number)
            stripped.append(without_article)
            blocks.setdefault(skeleton, []).append(row)
            for d in deletions(skeleton):
                blocks.setdefault(DELETED + d, []).append(row)

    for number, part in enumerate(parts):
        if len(part) < 2:
            continue
        fused[number] = part.startswith(fused_articles)
        add(number, part, 0)
        if fused[number] and len(part) >= 5:
            add(number, part[2:], 1)
        group = given_group(part)
        if group is not None:
            given[number] = group_numbers.setdefault(group, len(group_numbers))
        father = patronymic_group(part) if len(part) > 5 else None
        if father is not None:
            patronymic[number] = group_numbers.setdefault(father, len(group_numbers))
    return PartCodes(
        codes=Strings.of(row_codes),
        skeletons=Strings.of(row_skeletons),
        owner=owner,
        stripped=bytes(stripped),
        fused=bytes(fused),
        given=given,
        patronymic=patronymic,
        groups=Strings.of(group_numbers),
        blocks=MultiMap.of(blocks),
    )


class Near(NamedTuple):
    """The neighbours of one query part: table part numbers, similarities and rules."""

    parts: Ints
    sims: Floats
    rules: npt.NDArray[np.int8]
    by_part: dict[int, tuple[float, str]]
    """The same, as a map from table part number to (similarity, rule name)."""


EMPTY = Near(
    np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int8), {}
)


class Neighbours:
    """Finds the neighbours of query parts among a table's parts, remembering them."""

    def __init__(self, data: PartCodes, part_numbers: KeyIndex) -> None:
        self.part_numbers = part_numbers
        self.blocks = data.blocks
        self._block_rows = np.frombuffer(data.blocks.groups.items, dtype=np.int64)
        self._block_starts = data.blocks.groups.starts
        self._codes = list(data.codes)
        self._skeletons = list(data.skeletons)
        self._lengths = np.fromiter((len(c) for c in self._codes), np.float64, len(self._codes))
        self._owner = np.frombuffer(data.owner, dtype=np.int64)
        self._stripped = np.frombuffer(data.stripped, dtype=np.uint8).astype(bool)
        self._fused = np.frombuffer(data.fused, dtype=np.uint8).astype(bool)
        self._given = np.frombuffer(data.given, dtype=np.int64)
        self._patronymic = np.frombuffer(data.patronymic, dtype=np.int64)
        self._group_numbers = {g: n for n, g in enumerate(data.groups)}
        self._seen: dict[str, Near] = {}

    def of(self, part: str) -> Near:
        """The table parts that could be spellings of ``part``, best first."""
        found = self._seen.get(part)
        if found is None:
            found = self._find(part) if len(part) >= 2 else EMPTY
            if len(self._seen) > 200_000:
                self._seen.clear()
            self._seen[part] = found
        return found

    def _rows(self, keys: Sequence[str]) -> Ints:
        """The rows under any of the blocking keys, each once."""
        index, starts, rows = self.blocks.index, self._block_starts, self._block_rows
        chunks = []
        for k in keys:
            n = index.get(k)
            if n >= 0:
                chunks.append(rows[starts[n] : starts[n + 1]])
        if not chunks:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate(chunks))

    def _find(self, part: str) -> Near:
        fused_articles = structure().fused_articles
        query_fused = part.startswith(fused_articles)
        bare = part[2:] if query_fused and len(part) >= 5 else None
        keys = list(probe_keys(part))
        query_codes = list(codes(part))
        query_bare = [False] * len(query_codes)
        if bare is not None:
            keys.extend(probe_keys(bare))
            bare_codes = codes(bare)
            query_codes.extend(bare_codes)
            query_bare.extend([True] * len(bare_codes))
        rows = self._rows(keys)
        own = self.part_numbers.get(part)
        group = given_group(part) or (given_group(bare) if bare is not None else None)
        extra = []
        if group is not None:
            for form in given_names().forms[group]:
                number = self.part_numbers.get(form)
                if number >= 0:
                    extra.append(number)
        if own >= 0:
            extra.append(own)
        if not len(rows) and not extra:
            return EMPTY

        sims = self._code_sims(query_codes, query_bare, query_fused, rows)
        owners = self._owner[rows]
        table_parts, inverse = np.unique(
            np.concatenate([owners, np.asarray(extra, np.int64)]), return_inverse=True
        )
        n = len(table_parts)
        plain = np.zeros(n)
        article = np.zeros(n)
        row_inverse = inverse[: len(rows)]
        np.maximum.at(plain, row_inverse, sims[0])
        np.maximum.at(article, row_inverse, sims[1])
        best = np.maximum(plain, article)
        rules = np.where(
            article > plain, _ARTICLE, np.where(best >= SAME_CODE, _SPELLING, _EDIT)
        ).astype(np.int8)

        # Equivalences override letters: a patronymic of the same father, a spelling
        # of the same given name are alike; different ones are not, however close.
        father = patronymic_group(part) if len(part) > 5 else None
        if father is not None and father in self._group_numbers:
            theirs = self._patronymic[table_parts]
            both = theirs >= 0
            best = np.where(both, np.where(theirs == self._group_numbers[father], GROUP, 0.0), best)
            rules[both] = _PATRONYMIC
        if group is not None:
            theirs = self._given[table_parts]
            both = theirs >= 0
            mine = self._group_numbers.get(group, -2)
            best = np.where(both, np.where(theirs == mine, GROUP, 0.0), best)
            rules[both] = _GIVEN
        if own >= 0:
            mine_at = np.searchsorted(table_parts, own)
            best[mine_at] = 1.0
            rules[mine_at] = _SAME

        keep = best >= MIN_PART
        table_parts, best, rules = table_parts[keep], best[keep], rules[keep]
        order = np.argsort(-best, kind="stable")
        table_parts, best, rules = table_parts[order], best[order], rules[order]
        by_part = {
            p: (s, RULES[r])
            for p, s, r in zip(table_parts.tolist(), best.tolist(), rules.tolist(), strict=True)
        }
        return Near(table_parts, best, rules, by_part)

    def _code_sims(
        self, query_codes: list[str], query_bare: list[bool], query_fused: bool, rows: Ints
    ) -> tuple[Floats, Floats]:
        """Per row: the best similarity of plain codes, and the best with an article off.

        An article comes off one side only, and only when the other side has none
        (Alzomor ~ Zomor, not Alzomor ~ Elzomor, which compare as they are).
        """
        if not len(rows):
            return np.zeros(0), np.zeros(0)
        picked = rows.tolist()
        table_codes = [self._codes[r] for r in picked]
        table_skeletons = [self._skeletons[r] for r in picked]
        query_skeletons = [skeleton_of_code(c) for c in query_codes]
        d = cdist(query_codes, table_codes, scorer=Levenshtein.distance, dtype=np.int32)
        dk = cdist(query_skeletons, table_skeletons, scorer=Levenshtein.distance, dtype=np.int32)
        cost = VOWEL_COST * np.maximum(d - dk, 0) + dk
        longest = np.maximum(
            np.fromiter((len(c) for c in query_codes), np.float64, len(query_codes))[:, None],
            self._lengths[rows][None, :],
        )
        sims = np.maximum(0.0, SAME_CODE - cost / (0.5 * longest + 1.0))
        q_bare = np.asarray(query_bare)[:, None]
        t_bare = self._stripped[rows][None, :]
        t_fused = self._fused[self._owner[rows]][None, :]
        plain = np.where(~q_bare & ~t_bare, sims, 0.0).max(axis=0)
        bare = (q_bare & ~t_bare & ~t_fused) | (~q_bare & t_bare & (not query_fused))
        article = np.where(bare, sims * SAME_CODE, 0.0).max(axis=0)
        return plain, article


def part_numbers(parts: Sequence[str]) -> KeyIndex:
    """Part text -> its number."""
    return KeyIndex.of((p, n) for n, p in enumerate(parts))
