"""The compiled index: every key and text form of a table, built once and cached.

Building means folding every spelling (ICU transliteration) and compiling an
Aho-Corasick automaton over every form, which takes seconds for a large table and
is wasted work when the table has not changed. So the compiled index is cached in
the user's cache directory under the hash of the table files' bytes (and of the
package's rule files), in packed parts read only when needed: the entities, the
lookup keys and hits, the fuzzy candidate index (for ``lookup``), the text
automaton (for ``filter``) and what its patterns stand for (for ``--mentions`` and
``check``). A start with an unchanged table never parses YAML, and a filter never
reads the lookup keys or the fuzzy index.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import daachorse

from namenorm import __version__
from namenorm._kernel import string_at
from namenorm.cache import cache_dir, code_digest, write
from namenorm.fold import INVISIBLES
from namenorm.house import Writer, script_of
from namenorm.keys import (
    FULL,
    INFLECTED,
    INITIALS,
    LISTED,
    RULES,
    SHORT,
    SURNAME,
    form_key,
    forms,
    in_case_form_of,
    natural_order,
)
from namenorm.store import Groups, MultiMap, Strings
from namenorm.table import Table, TableError, bundled_table_path, load_tables

if TYPE_CHECKING:  # imported when a lookup needs it: filter start-up never pays for it
    from namenorm.fuzzy import FuzzyData, FuzzyIndex

FORMAT = 16
"""Bumped whenever the cached layout changes, so stale caches are rebuilt, not misread."""


class Hit(NamedTuple):
    """One way a key or a text form reaches an entity."""

    entity: int
    rule: str
    spelling: str
    """The listed spelling the key or form comes from."""
    form: str
    """The form as written (the listed spelling itself, or the derived short form)."""
    shape: str
    """FULL, SURNAME or INITIALS: which part of the house spelling a rewrite writes."""


NAME, SHORT_NAME, INVISIBLE = 0, 1, 2
"""Kinds of automaton pattern (see Patterns.kind)."""

SHAPES = (FULL, SURNAME, INITIALS)


def named_in_case(hits: Sequence[Hit], words: Sequence[str]) -> list[Hit]:
    """Of the hits of a surname's case form, one per person whose given names the
    words are, each in some case: who a full name in a case form names
    (Аляксандра Лукашэнкі). Used by lookup and by the text scanner alike."""
    found: dict[int, Hit] = {}
    for h in hits:
        if h.rule == INFLECTED and h.entity not in found and in_case_form_of(words, h.spelling):
            found[h.entity] = h
    return list(found.values())


class HitTable(NamedTuple):
    """Every distinct hit of an index, in columns that load as a few arrays (a named
    tuple: it pickles as its columns, whether this module is compiled or not)."""

    entity: array[int]
    rule: bytes
    shape: bytes
    spelling: array[int]
    form: array[int]
    spellings: Strings
    forms: Strings

    @classmethod
    def of(cls, hits: Sequence[Hit]) -> HitTable:
        """The table of these hits, numbered by their position."""
        spellings: dict[str, int] = {}
        forms: dict[str, int] = {}
        rule = {r: i for i, r in enumerate(RULES)}
        shape = {s: i for i, s in enumerate(SHAPES)}
        return cls(
            array("i", (h.entity for h in hits)),
            bytes(rule[h.rule] for h in hits),
            bytes(shape[h.shape] for h in hits),
            array("i", (spellings.setdefault(h.spelling, len(spellings)) for h in hits)),
            array("i", (forms.setdefault(h.form, len(forms)) for h in hits)),
            Strings.of(spellings),
            Strings.of(forms),
        )

    def hit(self, number: int) -> Hit:
        """Hit number ``number``."""
        spellings, forms = self.spellings, self.forms
        return tuple.__new__(  # a named tuple's own __new__ is three times slower
            Hit,
            (
                self.entity[number],
                RULES[self.rule[number]],
                string_at(spellings.blob, spellings.offsets, self.spelling[number]),
                string_at(forms.blob, forms.offsets, self.form[number]),
                SHAPES[self.shape[number]],
            ),
        )


class Patterns(NamedTuple):
    """The text side of an index: the automaton and what each of its patterns reaches."""

    automaton_bytes: bytes
    max_pattern_bytes: int
    kind: bytes
    """Per pattern id: NAME, SHORT_NAME (a surname or initials form: no mention when a
    capitalised word follows) or INVISIBLE (an invisible character, which marks a line
    to search for hidden spellings)."""
    rewrite: array[int]
    """Per pattern id: the index in ``rewrites`` of its default house spelling, -1 if kept."""
    rewrites: Strings
    """The distinct default rewrites (``raw`` gives UTF-8): the filter's fast path needs
    nothing else."""


class Index:
    """Keys and text patterns of a table, with what each one reaches."""

    def __init__(
        self,
        digest: str,
        ids: list[str],
        canonicals: list[str],
        types: list[str],
        styles: dict[str, dict[int, str]],
        keys: tuple[MultiMap, HitTable] | None = None,
        patterns: Patterns | None = None,
        hits: Groups | None = None,
        stored: Path | None = None,
        fuzzy: FuzzyData | None = None,
    ) -> None:
        self.digest = digest
        self.ids = ids
        self.canonicals = canonicals
        self.types = types
        self.styles = styles
        self._keys = keys
        self._patterns = patterns
        self._hits = hits
        self._stored = stored
        self._automaton: Any = None
        self._fuzzy_data = fuzzy
        self._fuzzy: FuzzyIndex | None = None
        self._reaches: dict[str, dict[str, bool]] = {}
        """Rule -> key -> whether the key reaches anything through the rule."""

    # -- parts loaded on first use -------------------------------------------
    @property
    def keys(self) -> tuple[MultiMap, HitTable]:
        """Lookup key -> hit numbers, and the hits (loaded from the cache on first use)."""
        if self._keys is None:
            self._keys = _read_part(self._stored, "keys")
        return self._keys

    @property
    def fuzzy(self) -> FuzzyIndex:
        """The fuzzy candidate index (loaded from the cache on first use; lookup only)."""
        if self._fuzzy is None:
            from namenorm.fuzzy import FuzzyIndex

            if self._fuzzy_data is None:
                self._fuzzy_data = _read_part(self._stored, "fuzzy")
            self._fuzzy = FuzzyIndex(self._fuzzy_data)
        return self._fuzzy

    @property
    def patterns(self) -> Patterns:
        """The text automaton's data (loaded from the cache on first use)."""
        if self._patterns is None:
            self._patterns = _read_part(self._stored, "patterns")
        return self._patterns

    @property
    def automaton(self) -> Any:
        """The text scanner's automaton over UTF-8 bytes, deserialised on first use."""
        if self._automaton is None:
            self._automaton = daachorse.DoubleArrayAhoCorasick.deserialize(
                self.patterns.automaton_bytes
            )
        return self._automaton

    def pattern_hits(self, pid: int) -> tuple[Hit, ...]:
        """What an automaton pattern stands for, strongest rule first."""
        if self._hits is None:
            self._hits = _read_part(self._stored, "hits")
        table = self.keys[1]
        return tuple(table.hit(h) for h in self._hits[pid])

    def hits(self, key: str) -> tuple[Hit, ...]:
        """What an exact key reaches, strongest rule first."""
        keys, table = self._keys or self.keys
        # the kernel's key table directly: every query asks this once
        found = keys.index.table().get(key.encode("utf-8", "surrogatepass"))
        if found is None:  # most fuzzy queries miss: no hits to read
            return ()
        return tuple([table.hit(h) for h in keys.groups[found]])

    def reaches_by(self, key: str, rule: str) -> bool:
        """Whether an exact key reaches anything through ``rule`` (without reading what:
        a common surname reaches hundreds of names)."""
        known = self._reaches.get(rule)
        if known is None:
            known = self._reaches[rule] = {}
        found = known.get(key)
        if found is None:  # remembered: a batch asks of the same surnames again and again
            keys, table = self.keys
            number = keys.index.table().get(key.encode("utf-8", "surrogatepass"))
            code = RULES.index(rule)
            found = number is not None and code in bytes(table.rule[h] for h in keys.groups[number])
            if len(known) >= 100_000:
                known.clear()
            known[key] = found
        return found

    def spelling(self, entity: int, style: str | None) -> str:
        """The house spelling of an entity, or its spelling in a style when it has one."""
        if style is not None:
            found = self.styles.get(style, {}).get(entity)
            if found is not None:
                return found
        return self.canonicals[entity]

    # -- building ------------------------------------------------------------
    @classmethod
    def build(cls, table: Table, digest: str = "") -> Index:
        """Fold and compile every spelling of a table."""
        from namenorm.fuzzy import build as build_fuzzy

        keys: dict[str, list[Hit]] = {}
        texts: dict[str, list[Hit]] = {}
        styles: dict[str, dict[int, str]] = {}
        fuzzy_names: list[tuple[int, str, str | None, bool]] = []
        for number, entity in enumerate(table.entities):
            for style, spelling in entity.styles.items():
                styles.setdefault(style, {})[number] = spelling
            person = entity.type == "person"
            for listed in entity.spellings:
                fuzzy_names.append((number, listed.text, listed.lang, person))
                if listed.lang is not None:
                    fuzzy_names.append((number, listed.text, None, person))
            for form in forms(entity):
                text = natural_order(form.text)
                hit = Hit(number, form.rule, form.source, text, form.shape)
                _add(keys, form_key(form.text, form.lang), hit)
                if form.lang is not None:
                    # A query carries no language tag: meet it with the scheme its letters show.
                    _add(keys, form_key(form.text), hit)
                for variant in case_variants(text):
                    _add(texts, variant, hit)
        pattern_texts = [t for t in texts if t.strip()]
        # Invisible characters go into the same automaton, after the names: the scan
        # that finds names also finds the lines that may hide one, at no extra cost.
        invisibles = [c.encode("utf-8") for c in sorted(INVISIBLES)]
        encoded = [t.encode("utf-8") for t in pattern_texts] + invisibles
        automaton = daachorse.DoubleArrayAhoCorasick(
            encoded, match_kind=daachorse.MATCH_KIND_LEFTMOST_LONGEST
        )
        plain: dict[Hit, int] = {}
        ids = [e.id for e in table.entities]
        canonicals = [e.canonical for e in table.entities]
        writer = Writer(ids, canonicals, styles)
        hits = [_raw(texts[t], plain) for t in pattern_texts]
        key_hits = MultiMap.of({k: _raw(v, plain) for k, v in keys.items()})
        kind = bytearray(len(encoded))
        rewrite = array("i", [-1]) * len(encoded)
        rewrites: dict[bytes, int] = {}
        # Case variants of one form differ only in their capitals and script: read once.
        seen: dict[tuple[tuple[int, ...], str, bool], tuple[int, str | None]] = {}
        by_number = list(plain)
        for pid, (text, raw) in enumerate(zip(pattern_texts, hits, strict=True)):
            first = by_number[raw[0]].rule
            # A house-approved short form is kept as found, so its variants differ.
            memo = (raw, script_of(text) + (text if first == SHORT else ""), text.isupper())
            if memo not in seen:
                strongest = tuple(by_number[h] for h in raw if by_number[h].rule == first)
                short = any(h.shape != FULL for h in strongest)
                seen[memo] = (
                    SHORT_NAME if short else NAME,
                    writer.read(strongest, text).replacement,
                )
            kind[pid], new = seen[memo]
            if new is not None and new != text:
                rewrite[pid] = rewrites.setdefault(new.encode("utf-8"), len(rewrites))
        for pid in range(len(pattern_texts), len(encoded)):
            kind[pid] = INVISIBLE
        patterns = Patterns(
            automaton_bytes=automaton.serialize(),
            max_pattern_bytes=max((len(t) for t in encoded), default=1),
            kind=bytes(kind),
            rewrite=rewrite,
            rewrites=Strings.of(r.decode("utf-8") for r in rewrites),
        )
        return cls(
            digest=digest or table.digest,
            ids=ids,
            canonicals=canonicals,
            types=[e.type for e in table.entities],
            styles=styles,
            keys=(key_hits, HitTable.of(by_number)),
            patterns=patterns,
            hits=Groups.of(hits),
            fuzzy=build_fuzzy(fuzzy_names),
        )

    def save(self, path: Path) -> None:
        """Write every part of the index beside ``path``, each atomically."""
        write(path.with_suffix(".keys"), self.keys)
        write(path.with_suffix(".patterns"), self.patterns)
        write(path.with_suffix(".hits"), self._hits or _read_part(self._stored, "hits"))
        write(path.with_suffix(".fuzzy"), self._fuzzy_data or _read_part(self._stored, "fuzzy"))
        write(path, (self.digest, self.ids, self.canonicals, self.types, self.styles))

    @classmethod
    def read(cls, path: Path, digest: str) -> Index | None:
        """The cached index at ``path``, or None when it is missing, stale or unreadable."""
        try:
            with path.open("rb") as f:
                stored_digest, ids, canonicals, types, styles = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return None
        if stored_digest != digest:
            return None
        return cls(digest, ids, canonicals, types, styles, stored=path)


_RANK = {rule: i for i, rule in enumerate(RULES)}


def _raw(hits: list[Hit], plain: dict[Hit, int]) -> tuple[int, ...]:
    """Hits sorted strongest first, as numbers into the table of distinct hits."""
    ordered = sorted(hits, key=lambda h: _RANK[h.rule])
    return tuple(plain.setdefault(h, len(plain)) for h in ordered)


def case_variants(form: str) -> set[str]:
    """The cases a writer uses for a form: as listed, capitalised, ALL CAPS.

    Matching these exactly (rather than lowercasing text) keeps "minsk" and "eu"
    from being mentions, and lets the scanner work on raw UTF-8 bytes.
    """
    return {form, form[:1].upper() + form[1:], form.upper()}


def _add(bucket: dict[str, list[Hit]], key: str, hit: Hit) -> None:
    """Record a hit, once per entity and rule: repeats add nothing but size."""
    found = bucket.setdefault(key, [])
    for old in found:
        if old.entity == hit.entity and (old.rule == hit.rule or old.rule in (LISTED, SHORT)):
            return
    found.append(hit)


def table_digest(paths: Sequence[str | os.PathLike[str]], allow_conflicts: bool) -> str:
    """Hash of the table files' bytes and options, without parsing them."""
    hasher = hashlib.sha256(
        f"namenorm-index {__version__} format={FORMAT} conflicts={allow_conflicts}".encode()
    )
    hasher.update(code_digest())
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return ""  # let the loader report it properly
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def load_index(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    *,
    allow_conflicts: bool = False,
    use_cache: bool = True,
) -> Index:
    """The compiled index of these tables (the bundled one when none): cached, or built.

    Raises TableError for a table that cannot be used.
    """
    files = [Path(p) for p in paths] if paths else [bundled_table_path()]
    digest = table_digest(files, allow_conflicts) if use_cache else ""
    cached = cache_dir() / f"index-{digest[:40]}.pickle" if digest else None
    if cached is not None:
        found = Index.read(cached, digest)
        if found is not None:
            return found
    table = load_tables(files, allow_conflicts=allow_conflicts)
    index = Index.build(table, digest)
    if cached is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is skipped
            index.save(cached)
            prune(cached.parent)
    return index


KEEP = 8
"""Compiled indexes kept in the cache directory; older ones are deleted."""


def prune(folder: Path, keep: int = KEEP) -> None:
    """Delete all but the ``keep`` most recently written indexes (every part of each)."""
    metas = sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for meta in metas[keep:]:
        for part in folder.glob(f"{meta.stem}.*"):
            with contextlib.suppress(OSError):
                part.unlink()


def _read_part(stored: Path | None, part: str) -> Any:
    """Read one part of a cached index; a part gone missing is a table error, said plainly."""
    if stored is None:
        raise TableError(f"the index has no {part} part")
    path = stored.with_suffix(f".{part}")
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise TableError(
            f"{path}: cached index is unreadable ({exc}); delete it or pass --no-cache"
        ) from None


__all__ = ["FORMAT", "Hit", "Index", "TableError", "cache_dir", "load_index", "table_digest"]
