"""Variant tables: load, validate and merge the YAML files that name the entities.

A table is data written by people, so every problem is reported as one line that
names the file, the line and the entity, and nothing is ever guessed: a value that
YAML would quietly turn into a boolean or a number is refused, and so is one
spelling listed under two entities (unless the caller allows such conflicts, in
which case the spelling is kept as ambiguous and never resolved to either).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from namenorm.fold import fold
from namenorm.fold import key as fold_key

ENTITY_TYPES = ("person", "place", "org", "other")
"""The kinds of entity a table may hold; only persons get derived short forms."""

MAX_TABLE_BYTES = int(os.environ.get("NAMENORM_MAX_TABLE_MB", "256")) * 1024 * 1024
"""Tables larger than this are refused before parsing (override: NAMENORM_MAX_TABLE_MB)."""

MAX_NAME_CHARS = 300
"""A spelling longer than this is a mistake in the table, not a name."""


NOTHING: Mapping[str, Any] = MappingProxyType({})
"""An empty mapping that cannot be changed: the default of the records' mapping fields."""


class TableError(ValueError):
    """A table that cannot be used; the message is one line naming file, line and entry."""


class Spelling(NamedTuple):
    """One listed spelling of an entity, with where it was written."""

    text: str
    lang: str | None
    line: int
    path: str


class Entity(NamedTuple):
    """One person, place or organisation and every spelling the tables list for it."""

    id: str
    type: str
    canonical: str
    spellings: tuple[Spelling, ...]
    """The canonical spelling first, then the other listed names."""
    styles: Mapping[str, str] = NOTHING
    short: tuple[str, ...] = ()
    """Explicit short forms (e.g. a surname used alone), beyond the derived ones."""
    path: str = ""
    line: int = 0


class Table(NamedTuple):
    """Entities merged from one or more table files, validated and conflict-checked."""

    entities: tuple[Entity, ...]
    paths: tuple[str, ...]
    digest: str
    """Hash of the files' bytes and the options: the key of the compiled-index cache."""
    ambiguous: Mapping[str, tuple[str, ...]] = NOTHING
    """Folded spellings listed under several entities (only with allow_conflicts)."""


def bundled_table_path() -> Path:
    """The default table: shipped inside the package, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "variants.yaml"
    if packaged.is_file():
        return packaged
    return here.parent.parent / "variants.yaml"


def load_tables(
    paths: Sequence[str | os.PathLike[str]] | None = None, *, allow_conflicts: bool = False
) -> Table:
    """Load, validate and merge tables; later files extend or override earlier ones.

    An id seen again in a later file is the same entity: its canonical spelling, type
    and styles are replaced when given, and its names are added. With no paths, the
    bundled table is used.
    """
    from namenorm.tablefile import parse  # PyYAML: only when a table is read

    files = [Path(p) for p in paths] if paths else [bundled_table_path()]
    hasher = hashlib.sha256(f"namenorm-table-v1 conflicts={allow_conflicts}".encode())
    merged: dict[str, Entity] = {}
    for path in files:
        data = _read_bytes(path)
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
        for entity in parse(data, str(path)):
            previous = merged.get(entity.id)
            merged[entity.id] = entity if previous is None else _extend(previous, entity)
    entities = tuple(e if e.type else e._replace(type="other") for e in merged.values())
    ambiguous = _check_conflicts(entities, allow_conflicts)
    return Table(entities, tuple(str(p) for p in files), hasher.hexdigest(), ambiguous)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            raise TableError(
                f"{path}: table is {size // (1024 * 1024)} MiB, over the "
                f"{MAX_TABLE_BYTES // (1024 * 1024)} MiB limit (NAMENORM_MAX_TABLE_MB raises it)"
            )
        return path.read_bytes()
    except TableError:
        raise
    except IsADirectoryError:
        raise TableError(f"{path}: is a directory, not a table file") from None
    except FileNotFoundError:
        raise TableError(f"{path}: no such table file") from None
    except OSError as exc:
        raise TableError(f"{path}: cannot read table: {exc.strerror or exc}") from None


def _extend(old: Entity, new: Entity) -> Entity:
    # The new canonical goes first; the old canonical stays as a listed name.
    spellings = dedupe((new.spellings[0], *old.spellings, *new.spellings[1:]))
    return Entity(
        id=old.id,
        type=new.type or old.type,
        canonical=new.canonical,
        spellings=spellings,
        styles={**old.styles, **new.styles},
        short=tuple(dict.fromkeys((*old.short, *new.short))),
        path=new.path,
        line=new.line,
    )


def dedupe(spellings: Iterable[Spelling]) -> tuple[Spelling, ...]:
    out: dict[str, Spelling] = {}
    for s in spellings:
        out.setdefault(s.text, s)
    return tuple(out.values())


def _check_conflicts(entities: Sequence[Entity], allow: bool) -> dict[str, tuple[str, ...]]:
    """Find spellings that fold to the same key under different entities.

    Entities whose house spellings fold alike are namesakes (two people called
    Muhammad Ali): the table says so deliberately, so what they share is ambiguous,
    not an error. Any other shared spelling is a conflict, an error unless allowed.
    """
    house = {e.id: fold_key(fold(e.canonical, e.spellings[0].lang)) for e in entities}
    owner: dict[str, tuple[Entity, Spelling]] = {}
    clashes: dict[str, list[str]] = {}
    for entity in entities:
        for spelling in entity.spellings:
            tokens = fold(spelling.text, spelling.lang)
            if not tokens:
                raise TableError(
                    f"{spelling.path}:{spelling.line}: entity '{entity.id}': spelling "
                    f"{spelling.text!r} has no letters or digits"
                )
            key = fold_key(tokens)
            first = owner.get(key)
            if first is None:
                owner[key] = (entity, spelling)
                continue
            other, other_spelling = first
            if other.id == entity.id:
                continue
            if not allow and house[other.id] != house[entity.id]:
                raise TableError(
                    f"{spelling.path}:{spelling.line}: entity '{entity.id}': spelling "
                    f"{spelling.text!r} conflicts with {other_spelling.text!r} of entity "
                    f"'{other.id}' ({other_spelling.path}:{other_spelling.line}); "
                    "remove one, or pass --allow-conflicts to keep it as ambiguous"
                )
            ids = clashes.setdefault(key, [other.id])
            if entity.id not in ids:
                ids.append(entity.id)
    return {key: tuple(ids) for key, ids in clashes.items()}
