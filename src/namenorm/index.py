"""The compiled index: every key and text form of a table, built once and cached.

Building means folding every spelling (ICU transliteration) and compiling an
Aho-Corasick automaton over every form, which takes seconds for a large table and
is wasted work when the table has not changed. So the compiled index is cached in
the user's cache directory under the hash of the table files' bytes: a start with
an unchanged table reads one pickle and never parses YAML.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import daachorse

from namenorm import __version__
from namenorm.fold import lowered
from namenorm.keys import LISTED, RULES, SHORT, form_key, forms, natural_order
from namenorm.table import Table, TableError, bundled_table_path, load_tables

FORMAT = 2
"""Bumped whenever the pickled layout changes, so stale caches are rebuilt, not misread."""


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


@dataclass
class Index:
    """Keys and text patterns of a table, with what each one reaches."""

    digest: str
    ids: list[str]
    canonicals: list[str]
    types: list[str]
    styles: dict[str, dict[int, str]]
    keys: dict[str, tuple[Hit, ...]]
    patterns: list[tuple[Hit, ...]]
    """Per automaton pattern id: the forms it stands for, strongest rule first."""
    automaton_bytes: bytes
    max_form_chars: int
    _automaton: Any = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_automaton"] = None
        return state

    @property
    def automaton(self) -> Any:
        """The text scanner's automaton, deserialised on first use."""
        if self._automaton is None:
            self._automaton = daachorse.CharwiseDoubleArrayAhoCorasick.deserialize(
                self.automaton_bytes
            )
        return self._automaton

    def spelling(self, entity: int, style: str | None) -> str:
        """The house spelling of an entity, or its spelling in a style when it has one."""
        if style is not None:
            found = self.styles.get(style, {}).get(entity)
            if found is not None:
                return found
        return self.canonicals[entity]

    def hits(self, key: str) -> tuple[Hit, ...]:
        """What an exact key reaches, strongest rule first."""
        return self.keys.get(key, ())

    @classmethod
    def build(cls, table: Table) -> Index:
        """Fold and compile every spelling of a table."""
        ids = [e.id for e in table.entities]
        keys: dict[str, list[Hit]] = {}
        texts: dict[str, list[Hit]] = {}
        styles: dict[str, dict[int, str]] = {}
        for number, entity in enumerate(table.entities):
            for style, spelling in entity.styles.items():
                styles.setdefault(style, {})[number] = spelling
            for form in forms(entity):
                text = natural_order(form.text)
                hit = Hit(number, form.rule, form.source, text, form.shape)
                _add(keys, form_key(form.text, form.lang), hit)
                if form.lang is not None:
                    # A query carries no language tag: meet it with the scheme its letters show.
                    _add(keys, form_key(form.text), hit)
                _add(texts, lowered(text), hit)
        rank = {rule: i for i, rule in enumerate(RULES)}
        pattern_texts = [t for t in texts if t.strip()]
        patterns = [tuple(sorted(texts[t], key=lambda h: rank[h.rule])) for t in pattern_texts]
        automaton = daachorse.CharwiseDoubleArrayAhoCorasick(
            pattern_texts, match_kind=daachorse.MATCH_KIND_LEFTMOST_LONGEST
        )
        return cls(
            digest=table.digest,
            ids=ids,
            canonicals=[e.canonical for e in table.entities],
            types=[e.type for e in table.entities],
            styles=styles,
            keys={k: tuple(sorted(v, key=lambda h: rank[h.rule])) for k, v in keys.items()},
            patterns=patterns,
            automaton_bytes=automaton.serialize(),
            max_form_chars=max((len(t) for t in pattern_texts), default=1),
        )


def _add(bucket: dict[str, list[Hit]], key: str, hit: Hit) -> None:
    """Record a hit, once per entity and rule: repeats add nothing but size."""
    found = bucket.setdefault(key, [])
    for old in found:
        if old.entity == hit.entity and (old.rule == hit.rule or old.rule in (LISTED, SHORT)):
            return
    found.append(hit)


def cache_dir() -> Path:
    """Where compiled indexes are cached: $NAMENORM_CACHE_DIR, else the user cache dir."""
    explicit = os.environ.get("NAMENORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "namenorm"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "namenorm"


def table_digest(paths: Sequence[str | os.PathLike[str]], allow_conflicts: bool) -> str:
    """Hash of the table files' bytes and options, without parsing them."""
    hasher = hashlib.sha256(
        f"namenorm-index {__version__} format={FORMAT} conflicts={allow_conflicts}".encode()
    )
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
        with contextlib.suppress(
            OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError
        ):
            with cached.open("rb") as f:
                index = pickle.load(f)
            if isinstance(index, Index) and index.digest == digest:
                return index
    table = load_tables(files, allow_conflicts=allow_conflicts)
    index = Index.build(table)
    index.digest = digest
    if cached is not None:
        _save(index, cached)
    return index


def _save(index: Index, path: Path) -> None:
    """Write the cache atomically; a cache that cannot be written is simply skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return


__all__ = ["FORMAT", "Hit", "Index", "TableError", "cache_dir", "load_index", "table_digest"]
