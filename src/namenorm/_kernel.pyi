"""The compiled inner loop of fuzzy lookup (source: ``_kernel.c``)."""

from array import array

import numpy as np
import numpy.typing as npt

def code_sims(
    query_codes: bytes,
    query_code_offsets: array[int],
    query_consonants: bytes,
    query_consonant_offsets: array[int],
    query_skeletons: bytes,
    query_skeleton_offsets: array[int],
    table_codes: bytes,
    table_code_offsets: array[int],
    table_consonants: bytes,
    table_consonant_offsets: array[int],
    table_skeletons: bytes,
    table_skeleton_offsets: array[int],
    query_at: npt.NDArray[np.int64],
    table_at: npt.NDArray[np.int64],
    out: npt.NDArray[np.float64],
    vowel_cost: float,
    swap_cost: float,
    same_code: float,
    /,
) -> None:
    """Fill ``out[k]`` with how alike query string ``query_at[k]`` and table row
    ``table_at[k]`` are: ``same_code - cost / (longest / 2 + 1)``, at least 0, where the
    cost is the skeletons' edit distance, plus ``swap_cost`` per further edit of the
    consonants, plus ``vowel_cost`` per further edit of the codes. Strings are packed as
    a blob and uint64 offsets; pairs are int64, ``out`` float64."""

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
        params: tuple[float | int, ...],
    ) -> None: ...
    def rank(
        self,
        query: tuple[object, ...],
        floor: float,
        first: int,
        scratch: npt.NDArray[np.float64],
        out_names: npt.NDArray[np.int64],
        out_scores: npt.NDArray[np.float64],
        /,
    ) -> int:
        """Score the names a query's evidence leads to, as ``FuzzyIndex.candidates``
        does, writing names and scores to the outputs; returns how many. ``floor``
        NaN: no bound. ``scratch`` is a zeroed array with a slot per name, left zeroed."""
    def explain(
        self, query: tuple[object, ...], name: int, first: int, /
    ) -> tuple[
        float,
        tuple[tuple[int, int, float, int], ...],
        tuple[int, ...],
        tuple[int, ...],
        tuple[tuple[int, int], ...],
    ]:
        """One name's score and alignment: pairs (query part, table part, similarity,
        rule), table parts left out, query parts left over, contradicting pairs; all
        by position."""

def levenshtein(a: bytes, b: bytes, /) -> int:
    """The edit distance of two byte strings."""
