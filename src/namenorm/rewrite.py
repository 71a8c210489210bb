"""Finding mentions in running text and rewriting them, losslessly and as a stream.

A mention is a table form found on Unicode word boundaries, in a case a writer
would use (as listed, ALL CAPS, or Title Case), possibly followed by an English
possessive, which the boundary rule leaves in place. Everything that is not a
rewritten mention comes out byte for byte as it went in: text is decoded with
``surrogateescape`` so that invalid UTF-8 survives the round trip, and input is cut
only where no mention can span the cut (a newline, or far enough back in a very
long line), so memory stays flat on any input.

Spellings hidden by invisible characters or by letters of another script
("Lukа\u200bshenko") are found in a cleaned view of the line and reported with what
was hidden; they are rewritten to the clean house spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from namenorm.fold import INVISIBLES, is_latin, unmix
from namenorm.index import Hit, Index
from namenorm.keys import INITIALS, LISTED, SHORT, SURNAME, split_person
from namenorm.translit import is_cyrillic

Target = Literal["canonical", "id"]

_SUSPICIOUS_RE = re.compile(
    "[" + re.escape("".join(sorted(INVISIBLES))) + "]"
    r"|[A-Za-z][\u0400-\u052f]|[\u0400-\u052f][A-Za-z]"
)
_WORD_RE = re.compile(r"\w+")
_TITLE_RE = re.compile(r"(?<![^\W\d_])[^\W\d_]")
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def is_word_char(char: str) -> bool:
    """Unicode word character: letter, digit, underscore or combining mark."""
    if char < "\x80":
        return char in _ASCII_WORD
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def script_of(text: str) -> str:
    """ "cyrillic", "latin" or "other": the script of a spelling's letters."""
    for char in text:
        if is_cyrillic(char):
            return "cyrillic"
        if is_latin(char):
            return "latin"
    return "other"


def _title(text: str) -> str:
    return _TITLE_RE.sub(lambda m: m.group(0).upper(), text)


def case_fits(found: str, form: str) -> bool:
    """Is ``found`` the form written as listed, in capitals, or in title case?

    An all-lowercase "minsk" or a mixed "eU" is not a mention of Minsk or the EU.
    """
    if found == form:
        return True
    if found.isupper():
        return True
    return not form.isupper() and found == _title(form)


def lowered(text: str) -> str:
    """Lowercase with the same length, so offsets in the copy are offsets in the text."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass(frozen=True)
class Mention:
    """A name found in text: where, what it resolves to, and what it would become."""

    start: int
    """Offset of the first code point, in the text scanned."""
    end: int
    text: str
    id: str | None
    """None when the form is ambiguous between several entities."""
    canonical: str | None
    replacement: str | None
    """What the text becomes; None when it is left as written (other script, ambiguous)."""
    rule: str
    spelling: str
    """The listed spelling the mention matched (a full name, for a derived short form)."""
    hidden: str | None = None
    """What made the spelling hard to see (invisible characters, homoglyphs), if anything."""
    ambiguous: tuple[str, ...] = ()
    note: str | None = None
    """Why a recognised mention is left as written."""

    @property
    def changes(self) -> bool:
        """True when rewriting changes the text."""
        return self.replacement is not None and self.replacement != self.text

    def explain(self) -> str:
        """Which listed spelling, by which rule, and why it is or is not rewritten."""
        if self.ambiguous:
            shared = f"{self.rule} form shared by {', '.join(self.ambiguous)}: ambiguous"
            if self.replacement is None:
                return f"{shared}, left as written"
            return f"{shared}, all written {self.replacement!r}"
        how = (
            f"{self.rule} of {self.spelling!r}"
            if self.rule != LISTED
            else (f"listed spelling {self.spelling!r}")
        )
        if self.hidden:
            how += f"; hidden: {self.hidden}"
        if self.note:
            how += f"; {self.note}"
        return how

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output (offsets in code points)."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "id": self.id,
            "canonical": self.canonical,
            "replacement": self.replacement,
            "rule": self.rule,
            "spelling": self.spelling,
            "hidden": self.hidden,
            "ambiguous": list(self.ambiguous),
            "explanation": self.explain(),
        }


def describe_hidden(found: str) -> str | None:
    """Name the invisible characters and homoglyphs in a found spelling, if any."""
    notes: list[str] = []
    for char in dict.fromkeys(c for c in found if c in INVISIBLES):
        notes.append(f"invisible U+{ord(char):04X} {unicodedata.name(char, 'character')}")
    for word in _WORD_RE.findall(found):
        clean = unmix(word)
        for a, b in zip(word, clean, strict=True):
            if a != b:
                notes.append(f"homoglyph U+{ord(a):04X} {unicodedata.name(a, '?')} for {b!r}")
    return "; ".join(dict.fromkeys(notes)) or None


class Scanner:
    """Finds mentions of an index's entities in text and works out their rewrites."""

    def __init__(self, index: Index, *, style: str | None = None, to: Target = "canonical") -> None:
        if style is not None and style not in index.styles:
            known = ", ".join(sorted(index.styles)) or "none defined"
            raise ValueError(f"unknown style {style!r} (known: {known})")
        self.index = index
        self.style = style
        self.to: Target = to
        self.automaton = index.automaton
        self.patterns = index.patterns
        self.window = index.max_form_chars + 1
        self._replacements: dict[tuple[int, str], str] = {}

    # -- finding -------------------------------------------------------------
    def scan(self, text: str, before: str = "\n") -> list[Mention]:
        """Every mention in ``text``, in order; ``before`` is the character preceding it."""
        mentions = self._scan_plain(text, before)
        if _SUSPICIOUS_RE.search(text) is not None:
            mentions = self._add_hidden(text, before, mentions)
        return mentions

    def _scan_plain(self, text: str, before: str) -> list[Mention]:
        low = lowered(text)
        try:
            found = self.automaton.find(low)
        except UnicodeEncodeError:  # lone surrogates from invalid UTF-8: mask them
            low = low.encode("utf-8", "replace").decode("utf-8")
            found = self.automaton.find(low)
        out: list[Mention] = []
        end = 0
        for s, e, pid in found:
            if s < end:
                continue
            mention = self._longest_at(text, low, s, e, pid, before)
            if mention is None:
                # Leftmost-longest skips forms that start inside a rejected one.
                mention = self._first_at_or_after(text, low, s + 1, e, before)
            if mention is not None:
                out.append(mention)
                end = mention.end
        return out

    def _fits(self, text: str, s: int, e: int, before: str) -> bool:
        prev = text[s - 1] if s else before
        return not is_word_char(prev) and (e >= len(text) or not is_word_char(text[e]))

    def _longest_at(
        self, text: str, low: str, s: int, e: int, pid: int, before: str
    ) -> Mention | None:
        """The longest acceptable mention starting at s, trying shorter forms in turn."""
        while True:
            if self._fits(text, s, e, before):
                mention = self._mention(text, s, e, pid)
                if mention is not None:
                    return mention
            shorter = self.automaton.find(low[s : e - 1]) if e - 1 > s else []
            if not shorter or shorter[0][0] != 0:
                return None
            e, pid = s + shorter[0][1], shorter[0][2]

    def _first_at_or_after(
        self, text: str, low: str, start: int, stop: int, before: str
    ) -> Mention | None:
        """The leftmost acceptable mention starting in [start, stop)."""
        pos = start
        while pos < stop:
            found = self.automaton.find(low[pos : stop + self.window])
            if not found or pos + found[0][0] >= stop:
                return None
            ws, we, pid = found[0]
            mention = self._longest_at(text, low, pos + ws, pos + we, pid, before)
            if mention is not None:
                return mention
            pos += ws + 1
        return None

    def _mention(self, text: str, s: int, e: int, pid: int) -> Mention | None:
        found = text[s:e]
        hits = [h for h in self.patterns[pid] if case_fits(found, h.form)]
        if not hits:
            return None
        strongest = hits[0].rule
        hits = [h for h in hits if h.rule == strongest]
        if strongest in (SURNAME, INITIALS) and _followed_by_name(text, e):
            return None  # part of a longer name we do not know: "Michel Barnier"
        entities = list(dict.fromkeys(h.entity for h in hits))
        if len(entities) > 1:
            # Never guess the entity; but when every candidate is written the same way
            # (two Lukashenkas, one house surname), the spelling is no guess.
            ids = tuple(self.index.ids[i] for i in entities)
            first = {h.entity: h for h in reversed(hits)}
            rewrites = {self._replacement(first[i], found) for i in entities}
            replacement, note = rewrites.pop() if len(rewrites) == 1 else (None, None)
            if self.to == "id":
                replacement = None
            return Mention(s, e, found, None, None, replacement, strongest, hits[0].spelling,
                           ambiguous=ids, note=note)
        hit = hits[0]
        replacement, note = self._replacement(hit, found)
        return Mention(
            s,
            e,
            found,
            self.index.ids[hit.entity],
            self.index.canonicals[hit.entity],
            replacement,
            hit.rule,
            hit.spelling,
            note=note,
        )

    def _add_hidden(self, text: str, before: str, plain: list[Mention]) -> list[Mention]:
        keep: list[int] = []
        chars: list[str] = []
        for i, char in enumerate(text):
            if char not in INVISIBLES:
                keep.append(i)
                chars.append(char)
        clean = _WORD_RE.sub(lambda m: unmix(m.group(0)), "".join(chars))
        taken = [(m.start, m.end) for m in plain]
        extra: list[Mention] = []
        for m in self._scan_plain(clean, before):
            s, e = keep[m.start], keep[m.end - 1] + 1
            found = text[s:e]
            if found == m.text or any(s < te and ts < e for ts, te in taken):
                continue
            extra.append(
                Mention(
                    s,
                    e,
                    found,
                    m.id,
                    m.canonical,
                    m.replacement,
                    m.rule,
                    m.spelling,
                    describe_hidden(found),
                    m.ambiguous,
                    m.note,
                )
            )
        return sorted(plain + extra, key=lambda m: m.start) if extra else plain

    # -- rewriting -----------------------------------------------------------
    def _replacement(self, hit: Hit, found: str) -> tuple[str | None, str | None]:
        if self.to == "id":
            return self.index.ids[hit.entity], None
        if hit.rule == SHORT:
            return found, None  # a house-approved short form ("UK", "USSR"): keep it
        target = self._target(hit.entity, hit.rule)
        if script_of(found) != script_of(target):
            return None, f"{script_of(found)} script, house spelling is {script_of(target)}"
        if found.isupper() and not hit.form.isupper() and not target.isupper():
            target = target.upper()  # the writer capitalised it; a listed acronym is not that
        return target, None

    def _target(self, entity: int, rule: str) -> str:
        cached = self._replacements.get((entity, rule))
        if cached is not None:
            return cached
        spelling = self.index.spelling(entity, self.style)
        target = spelling
        if rule in (SURNAME, INITIALS):
            person = split_person(spelling)
            if person is not None:
                target = (
                    person.surname
                    if rule != INITIALS
                    else (f"{person.initials()} {person.surname}")
                )
        self._replacements[(entity, rule)] = target
        return target

    def rewrite(self, text: str, before: str = "\n") -> str:
        """``text`` with every mention rewritten; the rest unchanged."""
        return splice(text, self.scan(text, before))


def splice(text: str, mentions: list[Mention]) -> str:
    """Apply the rewrites of ``mentions`` (in order, not overlapping) to ``text``."""
    parts: list[str] = []
    pos = 0
    for m in mentions:
        if m.replacement is None or m.replacement == m.text:
            continue
        parts.append(text[pos : m.start])
        parts.append(m.replacement)
        pos = m.end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def _followed_by_name(text: str, end: int) -> bool:
    """True when a capitalised word follows (after one space): the name goes on."""
    if end + 1 >= len(text) or text[end] != " ":
        return False
    nxt = text[end + 1]
    return nxt.isupper()


# -- streams ------------------------------------------------------------------
def decode(data: bytes) -> str:
    """UTF-8 to text, keeping every invalid byte as a lone surrogate."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """The exact inverse of :func:`decode`."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


@dataclass
class Segment:
    """A piece of the stream that no mention spans, with its mentions."""

    text: str
    mentions: list[Mention]
    line: int
    """1-based line number of the segment's first character."""
    column: int
    """0-based code-point column of the segment's first character."""


class Stream:
    """Cuts a byte stream into decoded segments that no mention can span.

    Complete lines are released as soon as they arrive (so an interactive filter
    answers line by line); a line longer than ``segment_bytes`` is cut far enough
    back that every mention before the cut is whole.
    """

    def __init__(self, scanner: Scanner, segment_bytes: int = 1 << 20) -> None:
        self.scanner = scanner
        # A cut needs room for the longest form before it, in bytes (4 per character).
        self.segment_bytes = max(segment_bytes, 16 * (scanner.window + 4))
        self.pending = b""
        self.before = "\n"
        self.line = 1
        self.column = 0

    def feed(self, data: bytes) -> Iterator[Segment]:
        """Take more input; yield the segments it completes."""
        buf = self.pending + data if self.pending else data
        cut = buf.rfind(b"\n") + 1
        if cut:
            self.pending = buf[cut:]
            yield self._segment(decode(buf[:cut]))
            buf = self.pending
        else:
            self.pending = buf
        while len(buf) > self.segment_bytes:
            yield from self._long(buf)
            if len(self.pending) >= len(buf):
                break  # too short to cut safely yet: wait for more input
            buf = self.pending

    def close(self) -> Iterator[Segment]:
        """Flush what is left at the end of input."""
        if self.pending:
            text, self.pending = decode(self.pending), b""
            yield self._segment(text)

    def _segment(self, text: str) -> Segment:
        mentions = self.scanner.scan(text, self.before)
        return self._release(text, mentions)

    def _long(self, buf: bytes) -> Iterator[Segment]:
        text = decode(buf)
        margin = self.scanner.window + 4
        cut = len(text) - margin
        if cut <= 0:
            return
        mentions = [m for m in self.scanner.scan(text, self.before) if m.start < cut]
        if mentions and mentions[-1].end > cut:
            cut = mentions[-1].end
        self.pending = encode(text[cut:])
        yield self._release(text[:cut], mentions)

    def _release(self, text: str, mentions: list[Mention]) -> Segment:
        segment = Segment(text, mentions, self.line, self.column)
        newlines = text.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(text) - text.rfind("\n") - 1
        else:
            self.column += len(text)
        if text:
            self.before = text[-1]
        return segment


def positions(segment: Segment) -> Iterator[tuple[int, int, Mention]]:
    """(line, column, mention) for each mention of a segment; both 1-based, code points."""
    line, line_start, pos = segment.line, -segment.column, 0
    text = segment.text
    for m in segment.mentions:
        while True:
            nl = text.find("\n", pos, m.start)
            if nl < 0:
                break
            line += 1
            line_start = nl + 1
            pos = nl + 1
        pos = max(pos, m.start)
        yield line, m.start - line_start + 1, m
