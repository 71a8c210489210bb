"""Reading one table file: YAML parsed event by event, every value checked as it comes.

Kept apart from :mod:`namenorm.table` so that PyYAML is imported only when a table is
read, not by every process that answers from a cached index.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from namenorm.table import (
    ENTITY_TYPES,
    MAX_NAME_CHARS,
    Entity,
    Spelling,
    TableError,
    dedupe,
)

_ID_RE = re.compile(r"^[^\s]+$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TOP_KEYS = frozenset({"version", "entities"})
_ENTITY_KEYS = frozenset({"id", "type", "canonical", "names", "styles", "short"})
_NAME_KEYS = frozenset({"name", "lang"})
_STR_TAG = "tag:yaml.org,2002:str"
_TAG_WORDS = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:timestamp": "a date",
}


class _Loader(yaml.CSafeLoader):
    """PyYAML's C parser and tag resolver; we compose, construct and validate ourselves."""


def parse(data: bytes, path: str) -> list[Entity]:
    """The entities of one table file's bytes, each checked; TableError names the
    first problem by file, line and entity."""
    loader = _Loader(data)
    try:
        return _Reader(loader, _Walker(path)).table()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else path
        problem = exc.problem or exc.context or "malformed YAML"
        raise TableError(f"{where}: malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise TableError(f"{path}: malformed YAML: {exc}") from None
    except UnicodeDecodeError:
        raise TableError(f"{path}: not valid UTF-8") from None
    finally:
        loader.dispose()


class _Reader:
    """Reads a table from YAML events, composing one entity at a time.

    Composing the whole document first would hold a node for every scalar of a
    large table at once (gigabytes for 100,000 entities); here memory holds the
    entities and one entity's nodes. An alias or anchor is refused the moment the
    parser reports it, so an alias bomb never expands.
    """

    def __init__(self, loader: _Loader, walker: _Walker) -> None:
        self.loader: Any = loader  # the C parser's event API is untyped
        self.walker = walker

    def expect(self, kind: type[yaml.Event], what: str) -> Any:
        event = self.loader.get_event()
        if not isinstance(event, kind):
            raise TableError(f"{self.walker.path}:{event.start_mark.line + 1}: {what}")
        return event

    def table(self) -> list[Entity]:
        path = self.walker.path
        self.expect(yaml.StreamStartEvent, "not a YAML stream")
        if self.loader.check_event(yaml.StreamEndEvent):
            raise TableError(f"{path}: empty table (expected 'entities:')")
        self.expect(yaml.DocumentStartEvent, "expected a YAML document")
        start: Any = self.loader.peek_event()
        top_line = start.start_mark.line + 1
        if not isinstance(start, yaml.MappingStartEvent):
            raise TableError(f"{path}:{top_line}: the table must be a mapping")
        self.refuse_anchor(start)
        self.loader.get_event()
        entities: list[Entity] | None = None
        seen: set[str] = set()
        while not self.loader.check_event(yaml.MappingEndEvent):
            key_node = self.node()
            key = self.walker.string(key_node, "a key in the table", None)
            if key not in _TOP_KEYS:
                known = ", ".join(sorted(_TOP_KEYS))
                raise self.walker.fail(
                    key_node, f"unknown key '{key}' in the table (known: {known})"
                )
            if key in seen:
                raise self.walker.fail(key_node, f"key '{key}' given twice in the table")
            seen.add(key)
            if key == "version":
                version = self.node()
                if not (isinstance(version, yaml.ScalarNode) and version.value == "1"):
                    raise self.walker.fail(
                        version, "unsupported table version (this namenorm reads 1)"
                    )
            else:
                entities = self.entities()
        self.loader.get_event()
        if entities is None:
            raise TableError(f"{path}:{top_line}: the table has no 'entities:' list")
        self.expect(yaml.DocumentEndEvent, "one YAML document per table file")
        if not self.loader.check_event(yaml.StreamEndEvent):
            raise TableError(f"{path}: one YAML document per table file")
        return entities

    def entities(self) -> list[Entity]:
        start = self.loader.peek_event()
        if not isinstance(start, yaml.SequenceStartEvent):
            raise self.walker.fail(self.node(), "entities must be a list")
        self.refuse_anchor(start)
        self.loader.get_event()
        out: list[Entity] = []
        while not self.loader.check_event(yaml.SequenceEndEvent):
            out.append(self.walker.entity(self.node()))
        self.loader.get_event()
        return out

    def refuse_anchor(self, event: Any) -> None:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            line = event.start_mark.line + 1
            raise TableError(
                f"{self.walker.path}:{line}: YAML anchors and aliases (&name, *name) are not "
                "allowed in tables"
            )

    def node(self) -> yaml.Node:
        """Compose the next node from events."""
        event = self.loader.get_event()
        self.refuse_anchor(event)
        start: Any = event.start_mark
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            return yaml.ScalarNode(tag, event.value, start, start, event.style)
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[yaml.Node] = []
            while not self.loader.check_event(yaml.SequenceEndEvent):
                items.append(self.node())
            end = self.loader.get_event()
            return yaml.SequenceNode(
                "tag:yaml.org,2002:seq", items, start, end.end_mark, event.flow_style
            )
        if isinstance(event, yaml.MappingStartEvent):
            pairs: list[tuple[yaml.Node, yaml.Node]] = []
            while not self.loader.check_event(yaml.MappingEndEvent):
                key = self.node()
                pairs.append((key, self.node()))
            end = self.loader.get_event()
            return yaml.MappingNode(
                "tag:yaml.org,2002:map", pairs, start, end.end_mark, event.flow_style
            )
        line = start.line + 1
        raise TableError(f"{self.walker.path}:{line}: unexpected YAML ({type(event).__name__})")


class _Walker:
    """Turns composed YAML nodes into entities, checking every value on the way."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.ids: dict[str, int] = {}

    def fail(self, node: yaml.Node, message: str, entity: str | None = None) -> TableError:
        who = f" entity '{entity}':" if entity else ""
        return TableError(f"{self.path}:{node.start_mark.line + 1}:{who} {message}")

    def mapping(
        self, node: yaml.Node, what: str, allowed: frozenset[str], entity: str | None = None
    ) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping", entity)
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.string(key_node, f"a key in {what}", entity)
            if key not in allowed:
                keys = ", ".join(sorted(allowed))
                raise self.fail(key_node, f"unknown key '{key}' in {what} (known: {keys})", entity)
            if key in out:
                raise self.fail(key_node, f"key '{key}' given twice in {what}", entity)
            out[key] = value_node
        return out

    def sequence(self, node: yaml.Node, what: str, entity: str | None) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list", entity)
        return list(node.value)

    def string(self, node: yaml.Node, what: str, entity: str | None) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a string", entity)
        if node.tag != _STR_TAG:
            kind = _TAG_WORDS.get(node.tag, f"tagged {node.tag}")
            raise self.fail(
                node,
                f"{what} must be a string, but YAML reads {node.value!r} as {kind}: "
                f'quote it ("{node.value}")',
                entity,
            )
        value = str(node.value)
        if not value.strip():
            raise self.fail(node, f"{what} is empty", entity)
        if len(value) > MAX_NAME_CHARS:
            raise self.fail(node, f"{what} is longer than {MAX_NAME_CHARS} characters", entity)
        if any(c in value for c in "\t\n\r\x00"):
            raise self.fail(node, f"{what} contains a tab, newline or NUL", entity)
        return value.strip()

    def entity(self, node: yaml.Node) -> Entity:
        fields = self.mapping(node, "an entity", _ENTITY_KEYS)
        if "id" not in fields:
            raise self.fail(node, "entity has no 'id'")
        ident = self.string(fields["id"], "id", None)
        if not _ID_RE.match(ident):
            raise self.fail(fields["id"], f"id {ident!r} contains whitespace", None)
        if ident in self.ids:
            raise self.fail(fields["id"], f"duplicate id (first at line {self.ids[ident]})", ident)
        self.ids[ident] = node.start_mark.line + 1
        if "canonical" not in fields:
            raise self.fail(node, "no 'canonical' spelling", ident)
        canonical_node = fields["canonical"]
        canonical = self.string(canonical_node, "canonical", ident)
        kind = ""  # not given: a later file may extend an entity without restating it
        if "type" in fields:
            kind = self.string(fields["type"], "type", ident)
            if kind not in ENTITY_TYPES:
                raise self.fail(
                    fields["type"], f"type '{kind}' is not one of {', '.join(ENTITY_TYPES)}", ident
                )
        spellings = [Spelling(canonical, None, canonical_node.start_mark.line + 1, self.path)]
        if "names" in fields:
            for i, item in enumerate(self.sequence(fields["names"], "names", ident)):
                spellings.append(self.name(item, f"names[{i}]", ident))
        styles: dict[str, str] = {}
        if "styles" in fields:
            for style, value in self.mapping(fields["styles"], "styles", _AnyKey(), ident).items():
                styles[style] = self.string(value, f"styles.{style}", ident)
        short: list[str] = []
        if "short" in fields:
            for i, item in enumerate(self.sequence(fields["short"], "short", ident)):
                short.append(self.string(item, f"short[{i}]", ident))
        line = node.start_mark.line + 1
        return Entity(
            ident, kind, canonical, dedupe(spellings), styles, tuple(short), self.path, line
        )

    def name(self, node: yaml.Node, what: str, entity: str) -> Spelling:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            fields = self.mapping(node, what, _NAME_KEYS, entity)
            if "name" not in fields:
                raise self.fail(node, f"{what} has no 'name'", entity)
            text = self.string(fields["name"], f"{what}.name", entity)
            lang = None
            if "lang" in fields:
                lang = self.string(fields["lang"], f"{what}.lang", entity)
                if not _LANG_RE.match(lang):
                    raise self.fail(
                        fields["lang"],
                        f"{what}.lang {lang!r} is not a language code (ISO 639, e.g. be, ru, uk)",
                        entity,
                    )
            return Spelling(text, lang, line, self.path)
        return Spelling(self.string(node, what, entity), None, line, self.path)


class _AnyKey(frozenset[str]):
    """Accepts every key: style names are the user's to choose."""

    def __contains__(self, item: object) -> bool:
        return True
