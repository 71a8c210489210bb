"""The compiled inner loops of fuzzy lookup (source: ``_kernel.c``)."""

from array import array

Explanation = tuple[
    float,
    tuple[tuple[int, int, float, int], ...],
    tuple[int, ...],
    tuple[int, ...],
    tuple[tuple[int, int], ...],
]
"""A name's score and alignment: pairs (query part, table part, similarity, rule),
table parts left out, query parts left over, contradicting pairs; all by position."""

class Rows:
    """A table's part rows, held and checked once, for finding the neighbours of query
    parts (see ``namenorm.neighbours``)."""

    def __init__(
        self,
        codes: bytes,
        code_offsets: array[int],
        consonants: bytes,
        consonant_offsets: array[int],
        skeletons: bytes,
        skeleton_offsets: array[int],
        owner: array[int],
        stripped: bytes,
        fused: bytes,
        given: array[int],
        patronymic: array[int],
        block_rows: array[int],
        block_keys: bytes,
        block_key_offsets: array[int],
        block_key_values: array[int],
        block_slots: array[int],
        block_starts: array[int],
        classes: bytes,
        dropped: bytes,
        min_part: float,
        vowel_cost: float,
        swap_cost: float,
        same_code: float,
        group: float,
        short_form: float,
    ) -> None: ...
    def spans(self, codes: tuple[bytes, ...], /) -> bytes:
        """Where the rows under each reading's blocking keys lie in the block rows:
        int64 (reading, start, end) triples, as ``near`` takes them."""
    def near(
        self,
        codes: tuple[bytes, ...],
        bare: bytes,
        fused: bool,
        own: int,
        given: int,
        father: int,
        spans: bytes | array[int] | None,
        extra: array[int],
        short: array[int],
        /,
    ) -> bytes:
        """The neighbours of one query part (``codes``: a spelling code per reading,
        ASCII): for n of them, in the order of their part numbers, the part numbers
        (int64), their similarities (float64), their rules (int8). ``spans`` are
        (reading, start, end) triples into the block rows, or None for those ``spans``
        gives (found in the same call); ``extra`` parts compare by
        their equivalences only; ``short`` parts are the query part's short or
        compound form."""

class Table:
    """A table's names for ranking, held and checked once (see ``_kernel.c``)."""

    def __init__(
        self,
        starts: array[int],
        items: array[int],
        roles: bytes,
        role_offsets: array[int],
        weights: array[float],
        firsts: array[int],
        singles: bytes,
        post_starts: array[int],
        post_items: array[int],
        params: tuple[float | int, ...],
        entities: array[int],
    ) -> None: ...
    def part(
        self,
        near: bytes,
        first: int,
        single: bool,
        patronymic: bool,
        no_group: bool,
        own: int,
        least: float,
        common: int,
        scratch: array[float],
        /,
    ) -> Part:
        """A query part read for this table: its neighbours (what ``Rows.near``
        returned), its first letter's code point, its flags, its own part number (-1:
        none), and the evidence its neighbours at least ``least`` alike give, kept
        apart for parts in more than ``common`` names. ``scratch`` as in ``rank``."""
    def rank(
        self,
        query: tuple[Part, ...],
        fathers: bytes,
        floor: float,
        first: int,
        scratch: array[float],
        /,
    ) -> list[tuple[int, float]]:
        """Score the names a query's evidence leads to, as ``FuzzyIndex.candidates``
        does: (name, score) pairs, best first, equal scores in the order chosen.
        ``fathers``: a byte per part, 1 for one that follows "son of", or empty.
        ``floor`` NaN: no bound. ``scratch`` is a zeroed array with a slot per name,
        left zeroed."""
    def lookup(
        self,
        query: tuple[Part, ...],
        fathers: bytes,
        floor: float,
        first: int,
        scratch: array[float],
        threshold: float,
        margin: float,
        /,
    ) -> list[tuple[int, Explanation]]:
        """What a lookup reports: ``rank``'s names, the best of each entity; none when
        the best scores under ``threshold``, else those within ``margin`` of it, each
        with its explanation as ``explain`` gives it."""
    def explain(
        self, query: tuple[Part, ...], fathers: bytes, name: int, first: int, /
    ) -> Explanation:
        """One name's score and alignment (see ``Explanation``)."""

class Part:
    """A query part read once for one table (made by ``Table.part``)."""

    @property
    def near(self) -> bytes:
        """Its neighbours, as ``Rows.near`` returned them."""
    @property
    def evidence(self) -> bytes:
        """The names its neighbours lead to, rare then common (int64, each
        ascending), then its evidence for each (float64)."""
    @property
    def rare(self) -> int:
        """How many of those names are rare."""
    @property
    def weight(self) -> float:
        """Its weight when left over."""

class Keys:
    """The arrays of a ``namenorm.store.KeyIndex``, held and checked once."""

    def __init__(
        self, blob: bytes, offsets: array[int], values: array[int], slots: array[int]
    ) -> None: ...
    def get(self, key: bytes, /) -> int | None:
        """The key's value, or None when it has none."""

class Speller:
    """The rules of ``data/phonetic.yaml`` compiled by ``namenorm.phonetic.program``:
    spelling codes, consonants and skeletons of folded (ASCII) parts."""

    def __init__(
        self, spelling: bytes, alternatives: bytes, classes: bytes, dropped: bytes
    ) -> None: ...
    def spelling(self, part: bytes, /) -> bytes:
        """The spelling code of a part."""
    def codes(self, part: bytes, /) -> tuple[bytes, ...]:
        """Its own code, then one per other reading that changes it, each once."""
    def skeleton(self, code: bytes, /) -> bytes:
        """A code's consonants, merged into their classes."""
    def consonants(self, code: bytes, /) -> bytes:
        """A code's consonants as written."""
    def apply(self, number: int, part: bytes, /) -> bytes:
        """Spelling rule ``number`` (alternative ``-1 - number``) applied alone."""

def string_at(blob: bytes, offsets: array[int], index: int, /) -> str:
    """String ``index`` of packed strings (``store.Strings``), decoded in C."""

def levenshtein(a: bytes, b: bytes, /) -> int:
    """The edit distance of two byte strings."""
