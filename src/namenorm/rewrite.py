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

from namenorm.fold import INVISIBLES, is_latin, lowered, unmix
from namenorm.index import Hit, Index
from namenorm.keys import FULL, LISTED, SHORT, SURNAME, split_person
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


@dataclass(frozen=True, slots=True)
class Reading:
    """What a pattern, found as a given text, resolves to and becomes.

    It depends only on the pattern and the exact text found (its case), so it is
    worked out once and cached: the per-mention cost of a scan is a dictionary hit.
    """

    id: str | None
    canonical: str | None
    replacement: str | None
    rule: str
    spelling: str
    ambiguous: tuple[str, ...]
    note: str | None
    short: bool
    """A surname or initials form: rejected when a capitalised word follows."""


Found = tuple[int, int, Reading, "str | None"]
"""(start, end, reading, what was hidden) for one mention in a text."""

_UNSEEN = object()


def to_mention(text: str, found: Found) -> Mention:
    """The full mention record of a found span."""
    s, e, r, hidden = found
    return Mention(
        s,
        e,
        text[s:e],
        r.id,
        r.canonical,
        r.replacement,
        r.rule,
        r.spelling,
        hidden,
        r.ambiguous,
        r.note,
    )


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
        self._readings: dict[tuple[int, str], Reading | None] = {}
        self._targets: dict[tuple[int, str], str] = {}

    # -- finding -------------------------------------------------------------
    def scan(self, text: str, before: str = "\n") -> list[Mention]:
        """Every mention in ``text``, in order; ``before`` is the character preceding it."""
        return [to_mention(text, f) for f in self.find(text, before)]

    def rewrite(self, text: str, before: str = "\n") -> str:
        """``text`` with every mention rewritten; the rest unchanged."""
        return splice(text, self.find(text, before))

    def find(self, text: str, before: str = "\n") -> list[Found]:
        """Every mention in ``text`` as (start, end, reading, hidden), in order."""
        found = self._find_plain(text, before)
        if not text.isascii() and _SUSPICIOUS_RE.search(text) is not None:
            found = self._add_hidden(text, before, found)
        return found

    def _find_plain(self, text: str, before: str) -> list[Found]:
        low = lowered(text)
        try:
            raw = self.automaton.find(low)
        except UnicodeEncodeError:  # lone surrogates from invalid UTF-8: mask them
            low = low.encode("utf-8", "replace").decode("utf-8")
            raw = self.automaton.find(low)
        out: list[Found] = []
        end = 0
        n = len(text)
        readings = self._readings
        for s, e, pid in raw:
            if s < end:
                continue
            # The common case inline: boundaries, then the cached reading.
            prev = text[s - 1] if s else before
            nxt = text[e] if e < n else " "
            reading: object = None
            if not (prev in _ASCII_WORD or (prev > "\x7f" and is_word_char(prev))) and not (
                nxt in _ASCII_WORD or (nxt > "\x7f" and is_word_char(nxt))
            ):
                reading = readings.get((pid, text[s:e]), _UNSEEN)
                if reading is _UNSEEN:
                    reading = self._read(pid, text[s:e])
                if reading is not None and reading.short and _followed_by_name(text, e):  # type: ignore[attr-defined]
                    reading = None
            if reading is not None:
                out.append((s, e, reading, None))  # type: ignore[arg-type]
                end = e
                continue
            match = self._longest_at(text, low, s, e, pid, before)
            if match is None:
                # Leftmost-longest skips forms that start inside a rejected one.
                match = self._first_at_or_after(text, low, s + 1, e, before)
            if match is not None:
                out.append(match)
                end = match[1]
        return out

    def _accept(self, text: str, s: int, e: int, pid: int, before: str) -> Found | None:
        prev = text[s - 1] if s else before
        if is_word_char(prev) or (e < len(text) and is_word_char(text[e])):
            return None
        found = text[s:e]
        reading = self._readings.get((pid, found), _UNSEEN)
        if reading is _UNSEEN:
            reading = self._read(pid, found)
        if reading is None or (reading.short and _followed_by_name(text, e)):  # type: ignore[attr-defined]
            return None
        return (s, e, reading, None)  # type: ignore[return-value]

    def _longest_at(
        self, text: str, low: str, s: int, e: int, pid: int, before: str
    ) -> Found | None:
        """The longest acceptable mention starting at s, trying shorter forms in turn."""
        while True:
            match = self._accept(text, s, e, pid, before)
            if match is not None:
                return match
            shorter = self.automaton.find(low[s : e - 1]) if e - 1 > s else []
            if not shorter or shorter[0][0] != 0:
                return None
            e, pid = s + shorter[0][1], shorter[0][2]

    def _first_at_or_after(
        self, text: str, low: str, start: int, stop: int, before: str
    ) -> Found | None:
        """The leftmost acceptable mention starting in [start, stop)."""
        pos = start
        while pos < stop:
            raw = self.automaton.find(low[pos : stop + self.window])
            if not raw or pos + raw[0][0] >= stop:
                return None
            ws, we, pid = raw[0]
            match = self._longest_at(text, low, pos + ws, pos + we, pid, before)
            if match is not None:
                return match
            pos += ws + 1
        return None

    def _read(self, pid: int, found: str) -> Reading | None:
        """Work out (and cache) what a pattern found as this text means; None: no mention."""
        if len(self._readings) > 1_000_000:
            self._readings.clear()
        reading = self._read_uncached(pid, found)
        self._readings[(pid, found)] = reading
        return reading

    def _read_uncached(self, pid: int, found: str) -> Reading | None:
        hits = [h for h in self.patterns[pid] if case_fits(found, h.form)]
        if not hits:
            return None
        strongest = hits[0].rule
        hits = [h for h in hits if h.rule == strongest]
        short = any(h.shape != FULL for h in hits)
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
            return Reading(
                None,
                None,
                replacement,
                strongest,
                hits[0].spelling,
                ids,
                note or "ambiguous",
                short,
            )
        hit = hits[0]
        replacement, note = self._replacement(hit, found)
        return Reading(
            self.index.ids[hit.entity],
            self.index.canonicals[hit.entity],
            replacement,
            hit.rule,
            hit.spelling,
            (),
            note,
            short,
        )

    def _add_hidden(self, text: str, before: str, plain: list[Found]) -> list[Found]:
        extra: list[Found] = []
        done = -1
        for hit in _SUSPICIOUS_RE.finditer(text):
            if hit.start() < done:
                continue
            start = text.rfind("\n", 0, hit.start()) + 1
            end = text.find("\n", hit.end())
            done = end = len(text) if end < 0 else end
            extra += self._hidden_in_line(text, start, end, before if start == 0 else "\n", plain)
        return sorted(plain + extra, key=lambda f: f[0]) if extra else plain

    def _hidden_in_line(
        self, text: str, start: int, end: int, before: str, plain: list[Found]
    ) -> list[Found]:
        """Mentions visible only once invisibles and homoglyphs are cleaned from a line."""
        keep: list[int] = []
        chars: list[str] = []
        for i in range(start, end):
            char = text[i]
            if char not in INVISIBLES:
                keep.append(i)
                chars.append(char)
        clean = _WORD_RE.sub(lambda m: unmix(m.group(0)), "".join(chars))
        taken = [(f[0], f[1]) for f in plain if start <= f[0] < end]
        extra: list[Found] = []
        for cs, ce, reading, _ in self._find_plain(clean, before):
            s, e = keep[cs], keep[ce - 1] + 1
            found = text[s:e]
            if found == clean[cs:ce] or any(s < te and ts < e for ts, te in taken):
                continue
            extra.append((s, e, reading, describe_hidden(found)))
        return extra

    # -- rewriting -----------------------------------------------------------
    def _replacement(self, hit: Hit, found: str) -> tuple[str | None, str | None]:
        if self.to == "id":
            return self.index.ids[hit.entity], None
        if hit.rule == SHORT:
            return found, None  # a house-approved short form ("UK", "USSR"): keep it
        target = self._target(hit.entity, hit.shape)
        if script_of(found) != script_of(target):
            return None, f"{script_of(found)} script, house spelling is {script_of(target)}"
        if found.isupper() and not hit.form.isupper() and not target.isupper():
            target = target.upper()  # the writer capitalised it; a listed acronym is not that
        return target, None

    def _target(self, entity: int, shape: str) -> str:
        """The house (or style) spelling of an entity, cut to the shape of the form found."""
        cached = self._targets.get((entity, shape))
        if cached is not None:
            return cached
        target = self.index.spelling(entity, self.style)
        if shape != FULL:
            person = split_person(target)
            if person is not None:
                target = (
                    person.surname
                    if shape == SURNAME
                    else (f"{person.initials()} {person.surname}")
                )
        self._targets[(entity, shape)] = target
        return target


def splice(text: str, found: list[Found]) -> str:
    """Apply the rewrites of found mentions (in order, not overlapping) to ``text``."""
    parts: list[str] = []
    pos = 0
    for s, e, reading, _hidden in found:
        replacement = reading.replacement
        if replacement is None or (e - s == len(replacement) and text[s:e] == replacement):
            continue
        parts.append(text[pos:s])
        parts.append(replacement)
        pos = e
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
    found: list[Found]
    line: int
    """1-based line number of the segment's first character."""
    column: int
    """0-based code-point column of the segment's first character."""

    @property
    def mentions(self) -> list[Mention]:
        """The full mention records of the segment."""
        return [to_mention(self.text, f) for f in self.found]

    def rewritten(self) -> str:
        """The segment's text with its mentions rewritten."""
        return splice(self.text, self.found)


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
        return self._release(text, self.scanner.find(text, self.before))

    def _long(self, buf: bytes) -> Iterator[Segment]:
        text = decode(buf)
        margin = self.scanner.window + 4
        cut = len(text) - margin
        if cut <= 0:
            return
        found = [f for f in self.scanner.find(text, self.before) if f[0] < cut]
        if found and found[-1][1] > cut:
            cut = found[-1][1]
        self.pending = encode(text[cut:])
        yield self._release(text[:cut], found)

    def _release(self, text: str, found: list[Found]) -> Segment:
        segment = Segment(text, found, self.line, self.column)
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
