"""Neighbours of a name part: the table's parts that could be spellings of it.

A query part nobody listed (Tsikhanouskaya, when the table has Tikhanovskaya) is
compared with a few table parts only: those sharing a blocking key with it, i.e. a
skeleton at most one consonant edit away (:mod:`namenorm.phonetic`). Every table
part's spelling codes and skeletons are computed once, when the index is built, and
stored as rows; a query part is then compared with all its candidate rows in one
call of a compiled kernel (``namenorm._kernel.Rows``: three edit distances and the
cost per pair, the best per table part, the equivalences below), which is what keeps
fuzzy lookup fast.

How alike two parts are (0..1), by rule:

* ``same``: the same folded part (1.0);
* ``given-name``: two spellings of one given name (0.95), or two different given
  names (0.0, whatever their letters: Aleksandr is not Aleksei);
* ``patronymic``: two forms of one father's name (0.95), or of two different ones (0.0);
* ``spelling``: the same spelling code, another romanisation (0.97);
* ``edit``: a transliteration-aware edit cost between the spelling codes: an edit that
  changes the skeleton (an unrelated consonant) costs 1, one that does not (a vowel,
  y/j/i, u/v/w) costs ``VOWEL_COST``, relative to the parts' length;
* ``article``: as above, after an article fused to the front (Alzomor ~ Zomor);
* ``short-form``: a compound given name and the same name without its tail (Nematollah
  ~ Nemat, Ayubkhan ~ Ayub; the tails are in ``data/name_structure.yaml``) (0.9).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from namenorm._kernel import Rows
from namenorm.keys import structure
from namenorm.names import given_group, given_names, patronymic_group
from namenorm.phonetic import (
    code_keys,
    code_probe_keys,
    codes,
    consonants,
    letter_tables,
    reading_codes,
    skeleton_of_code,
    speller,
    spelling,
)
from namenorm.store import KeyIndex, MultiMap, Strings

MIN_PART = 0.55
"""Two parts less similar than this are not neighbours."""
VOWEL_COST = 0.2
"""Cost of an edit that leaves the skeleton alone (a vowel, y/j/i, u/v/w), a consonant's 1."""
SWAP_COST = 0.35
"""Cost of a consonant for another of its skeleton class (h/g, s/sh/ch, z/zh, t/ts/d)."""
SAME_CODE = 0.97
"""Two parts with one spelling code (another romanisation of the same letters)."""
GROUP = 0.95
"""Two spellings of one given name, or two forms of one patronymic."""
SHORT_FORM = 0.9
"""A compound given name and its short form (Nematollah, Nemat)."""
SHORT_HEAD = 4
"""The least letters of a short form: Nikola is not Nik + (all)ah."""

SAME = "same"
GIVEN = "given-name"
PATRONYMIC = "patronymic"
SPELLING = "spelling"
EDIT = "edit"
INITIAL = "initial"
ARTICLE = "article"
SHORT = "short-form"
RULES = (SAME, GIVEN, PATRONYMIC, SPELLING, EDIT, INITIAL, ARTICLE, SHORT)
"""Rule names, numbered by position (the rule arrays hold these numbers)."""
_SAME, _GIVEN, _PATRONYMIC, _SPELLING, _EDIT, _INITIAL, _ARTICLE, _SHORT = range(len(RULES))

if TYPE_CHECKING:  # numpy is imported by the Python readings only, not by lookups
    import numpy as np
    import numpy.typing as npt

# Written as strings, so that they exist when the compiled modules read the fields of
# named tuples at run time, without importing numpy.
Ints: TypeAlias = "npt.NDArray[np.int64]"
Floats: TypeAlias = "npt.NDArray[np.float64]"
Rules: TypeAlias = "npt.NDArray[np.int8]"


class PartCodes(NamedTuple):
    """The stored comparison data of every table part.

    A *row* is one spelling code of one part: a part has one row per reading of its
    letters (see :func:`namenorm.phonetic.codes`), plus rows for the part without a
    fused article. Blocking keys lead to rows; rows lead to their part.
    """

    codes: Strings
    skeletons: Strings
    """The skeleton of each row's code."""
    consonants: Strings
    """The consonants of each row's code, no classes merged."""
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
    heads: MultiMap
    """Spelling code -> the parts whose code is it plus a short-form tail (Nemat ->
    Nematollah)."""


def build(parts: Sequence[str]) -> PartCodes:
    """The comparison data of a table's parts (numbered by their position)."""
    fused_articles = structure().fused_articles
    row_codes: list[str] = []
    row_skeletons: list[str] = []
    row_consonants: list[str] = []
    owner = array("q")
    stripped = bytearray()
    fused = bytearray(len(parts))
    given = array("q", [-1]) * len(parts)
    patronymic = array("q", [-1]) * len(parts)
    group_numbers: dict[str, int] = {}
    blocks: dict[str, list[int]] = {}
    heads: dict[str, list[int]] = {}

    def add(number: int, part: str, without_article: int) -> None:
        for code in codes(part):
            row = len(row_codes)
            skeleton = skeleton_of_code(code)
            row_codes.append(code)
            row_skeletons.append(skeleton)
            row_consonants.append(consonants(code))
            owner.append(number)
            stripped.append(without_article)
            for key in code_keys(code):
                blocks.setdefault(key, []).append(row)

    for number, part in enumerate(parts):
        if len(part) < 2:
            continue
        fused[number] = part.startswith(fused_articles)
        add(number, part, 0)
        for head in _heads(spelling(part)):
            heads.setdefault(head, []).append(number)
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
        consonants=Strings.of(row_consonants),
        owner=owner,
        stripped=bytes(stripped),
        fused=bytes(fused),
        given=given,
        patronymic=patronymic,
        groups=Strings.of(group_numbers),
        blocks=MultiMap.of(blocks),
        heads=MultiMap.of(heads),
    )


class Near:
    """The neighbours of one query part: table part numbers in ascending order, with
    their similarities and rules (the order lookups by part need; nothing needs them
    best first). The kernel reads them as they came (``raw``); the arrays are made
    when Python asks for them."""

    __slots__ = ("_arrays", "_lists", "father", "given", "own", "raw")

    def __init__(
        self, raw: bytes, own: int = -1, given: str | None = None, father: str | None = None
    ) -> None:
        self.raw = raw
        """What ``Rows.near`` returned (see ``_kernel.c``): part numbers, then
        similarities, then rules."""
        self.own = own
        """The query part's own number in the table, or -1."""
        self.given = given
        """The given-name group of the query part itself, or None."""
        self.father = father
        """The group the query part is a patronymic of (read when it is longer than
        five letters), or None."""
        self._arrays: tuple[Ints, Floats, Rules] | None = None
        self._lists: tuple[list[int], list[float], list[int]] | None = None

    def _read(self) -> tuple[Ints, Floats, Rules]:
        if self._arrays is None:
            import numpy as np

            raw, n = self.raw, len(self.raw) // 17
            self._arrays = (
                np.frombuffer(raw, np.int64, n, 0),
                np.frombuffer(raw, np.float64, n, 8 * n),
                np.frombuffer(raw, np.int8, n, 16 * n),
            )
        return self._arrays

    @property
    def parts(self) -> Ints:
        """The neighbours' part numbers, ascending."""
        return self._read()[0]

    @property
    def sims(self) -> Floats:
        """Their similarities."""
        return self._read()[1]

    @property
    def rules(self) -> Rules:
        """Their rules (numbers into RULES)."""
        return self._read()[2]

    def get(self, number: int) -> tuple[float, str] | None:
        """(similarity, rule name) of one table part, or None when it is no neighbour."""
        if self._lists is None:
            self._lists = (self.parts.tolist(), self.sims.tolist(), self.rules.tolist())
        numbers, sims, rules = self._lists
        at = bisect_left(numbers, number)
        if at == len(numbers) or numbers[at] != number:
            return None
        return sims[at], RULES[rules[at]]

    @property
    def by_part(self) -> dict[int, tuple[float, str]]:
        """Table part number -> (similarity, rule name), for every neighbour."""
        return {
            n: (sim, RULES[rule])
            for n, sim, rule in zip(
                self.parts.tolist(), self.sims.tolist(), self.rules.tolist(), strict=True
            )
        }

    def best_first(self) -> list[tuple[int, float, str]]:
        """(part number, similarity, rule name), most alike first, equals by number."""
        return sorted(
            ((n, sim, rule) for n, (sim, rule) in self.by_part.items()),
            key=lambda item: (-item[1], item[0]),
        )


EMPTY = Near(b"", -1)


class Neighbours:
    """Finds the neighbours of query parts among a table's parts, remembering them.

    Python reads a query part (its codes, groups and blocking keys); the compiled
    kernel (``_kernel.Rows``) compares it with the rows its keys find.
    """

    def __init__(self, data: PartCodes, part_numbers: KeyIndex) -> None:
        self.part_numbers = part_numbers
        self._block_index = data.blocks.index
        self._block_rows = data.blocks.groups.items
        self._block_starts = data.blocks.groups.starts
        self._codes = data.codes
        self._owner = data.owner
        self._stripped = data.stripped
        self._patronymic = data.patronymic
        self._rows = Rows(
            data.codes.blob,
            data.codes.offsets,
            data.consonants.blob,
            data.consonants.offsets,
            data.skeletons.blob,
            data.skeletons.offsets,
            data.owner,
            data.stripped,
            data.fused,
            data.given,
            data.patronymic,
            data.blocks.groups.items,
            data.blocks.index.keys.blob,
            data.blocks.index.keys.offsets,
            data.blocks.index.values,
            data.blocks.index.slots,
            data.blocks.groups.starts,
            *letter_tables(),
            MIN_PART,
            VOWEL_COST,
            SWAP_COST,
            SAME_CODE,
            GROUP,
            SHORT_FORM,
        )
        self._fused_articles = structure().fused_articles
        self._speller = speller()
        self._group_of = given_names().group_of.get
        self._number_of = part_numbers.table().get
        self._group_numbers = {g: n for n, g in enumerate(data.groups.as_list())}
        self._heads = data.heads
        self._head_keys = data.heads.index.table()
        self._by_father: dict[int, list[int]] | None = None
        self._seen: dict[str, Near] = {}
        self._group_parts: dict[str, list[int]] = {}

    def load(self) -> None:
        """Build now what the first query parts would: the key tables' look-ups and
        the patronymics by father."""
        self.part_numbers.get("")
        self._heads.get("")
        self._sons("")
        _tail_bytes()

    def of(self, part: str) -> Near:
        """The table parts that could be spellings of ``part`` (see :class:`Near`)."""
        found = self._seen.get(part)
        if found is None:
            self.prepare((part,))
            found = self._seen[part]
        return found

    def prepare(self, parts: Sequence[str]) -> None:
        """Find the neighbours of every part not seen yet."""
        todo = [p for p in dict.fromkeys(parts) if p not in self._seen]
        if not todo:
            return
        if len(self._seen) + len(todo) > 200_000:
            self._seen.clear()
        for part in todo:
            # fold() makes every part ASCII; one that is not (from a caller that did
            # not fold it) cannot be a spelling of a table part
            known = len(part) > 1 and part.isascii()
            self._seen[part] = self._find(part) if known else EMPTY

    def _find(self, part: str) -> Near:
        """Read a query part (its readings, its groups, the table parts that are its
        equivalents) and compare it with the rows its blocking keys find, in the kernel.

        Each reading of the part meets the rows its own keys find: a row another
        reading found is two consonant edits or more from this one. (Every part
        nobody listed comes this way once: the look-ups are bound at construction.)
        """
        fused = part.startswith(self._fused_articles)
        encoded = part.encode()
        readings = self._speller.codes(encoded) if self._speller else reading_codes(part)
        bare = bytes(len(readings))  # per reading: 1 when the part's article is off
        stripped = part[2:] if fused and len(part) >= 5 else None
        if stripped is not None:
            more = reading_codes(stripped)
            readings += more
            bare += b"\1" * len(more)
        own_group = self._group_of(part)
        group = own_group or (self._group_of(stripped) if stripped is not None else None)
        father = patronymic_group(part) if len(part) > 5 else None
        number = self._number_of(encoded)
        own = -1 if number is None else number
        extra = array("q", [own] if own >= 0 else [])
        if group is not None:
            extra.extend(self._forms_in_table(group))
        if father is not None:
            extra.extend(self._sons(father))
        found = self._rows.near(
            readings,
            bare,
            fused,
            own,
            -1 if group is None else self._group_numbers.get(group, -2),
            -1 if father is None else self._group_numbers.get(father, -2),
            None,  # the kernel finds the rows under the readings' keys itself
            extra,
            array("q", self._short_forms(readings[0])),
        )
        return Near(found, own, own_group, father)

    def _forms_in_table(self, group: str) -> list[int]:
        """The table parts that are spellings of a given name (a group has dozens of
        spellings: each is looked up once)."""
        found = self._group_parts.get(group)
        if found is None:
            numbers = (self.part_numbers.get(form) for form in given_names().forms[group])
            found = self._group_parts[group] = [n for n in numbers if n >= 0]
        return found

    def _short_forms(self, code: bytes) -> list[int]:
        """The table parts whose spelling code is ``code`` (ASCII, as the kernel reads
        it) with a short-form tail added or taken off."""
        n = self._head_keys.get(code)  # most codes are no one's short form
        found = [] if n is None else list(self._heads.groups[n])
        if code.endswith(_tail_bytes()):  # and most end with no tail
            for head in _heads(code.decode()):
                found.extend(self._parts_with_code(head))
        return found

    def _parts_with_code(self, code: str) -> list[int]:
        """The table parts with this spelling code (as written, no article taken off)."""
        n = self._block_index.get(skeleton_of_code(code))
        if n < 0:
            return []
        rows = self._block_rows[self._block_starts[n] : self._block_starts[n + 1]]
        target = code.encode()
        return [
            int(self._owner[row])
            for row in rows.tolist()
            if self._codes.raw(row) == target and not self._stripped[row]
        ]

    def _sons(self, father: str) -> list[int]:
        """The table parts that are patronymics of a father's name group."""
        if self._by_father is None:
            self._by_father = {}
            for number, group in enumerate(self._patronymic.tolist()):
                if group >= 0:
                    self._by_father.setdefault(group, []).append(number)
        return self._by_father.get(self._group_numbers.get(father, -2), [])

    def _spans_of(self, code: str) -> list[tuple[int, int]]:
        """Where the rows under a query code's blocking keys lie in the block rows (a
        row may come more than once), read from
        :func:`namenorm.phonetic.code_probe_keys` and looked up in Python: the
        reference the kernel's ``Rows.spans`` is tested against."""
        starts = self._block_starts
        out = []
        for key in code_probe_keys(code):
            n = self._block_index.get_by_python(key)
            if n >= 0 and starts[n + 1] > starts[n]:
                out.append((starts[n], starts[n + 1]))
        return out


@lru_cache(maxsize=1)
def _tail_codes() -> tuple[str, ...]:
    """The spelling codes of the short-form tails."""
    return tuple(dict.fromkeys(spelling(t) for t in structure().short_form_tails))


@lru_cache(maxsize=1)
def _tail_bytes() -> tuple[bytes, ...]:
    """:func:`_tail_codes` as ASCII bytes."""
    return tuple(t.encode() for t in _tail_codes())


def _heads(code: str) -> list[str]:
    """A spelling code without each short-form tail it ends with (Nematola -> Nemat)."""
    tails = _tail_codes()
    if not code.endswith(tails):  # most codes: one test instead of one per tail
        return []
    return [
        code[: -len(tail)]
        for tail in tails
        if code.endswith(tail) and len(code) - len(tail) >= SHORT_HEAD
    ]


def part_numbers(parts: Sequence[str]) -> KeyIndex:
    """Part text -> its number."""
    return KeyIndex.of((p, n) for n, p in enumerate(parts))
