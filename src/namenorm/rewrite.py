"""Finding mentions in running text and rewriting them, losslessly and as a stream.

A mention is a table form found on Unicode word boundaries, written as listed,
capitalised or in capitals, possibly followed by an English possessive, which the
boundary rule leaves in place. The scanner works on raw UTF-8 bytes: it never
decodes what it does not rewrite, so everything else comes out byte for byte as
it went in, invalid UTF-8 included, and input is cut only where no mention can
span the cut (a newline, or far enough back in a very long line), so memory stays
flat on any input.

Spellings hidden by invisible characters or by letters of another script
("Lukа\u200bshenko") are found in a cleaned view of the line and reported with what
was hidden; they are rewritten to the clean house spelling.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from namenorm.fold import INVISIBLES, unmix
from namenorm.house import Reading, Target, Writer
from namenorm.index import INVISIBLE, SHORT_NAME, Index, named_in_case
from namenorm.keys import INFLECTED, INFLECTED_NAME, LISTED
from namenorm.pipeline import decode, encode

_SCRIPT_CLASSES = bytes(
    ord("L")
    if chr(b).isascii() and chr(b).isalpha()
    else ord("C")
    if 0xD0 <= b <= 0xD4  # lead byte of a Cyrillic letter
    else ord("c")
    if 0x80 <= b <= 0xBF  # continuation byte
    else ord("\n")
    if b == 0x0A
    else ord(" ")
    for b in range(256)
)
"""Bytes to classes, so that Latin next to Cyrillic is a plain substring search."""
_MIXED = (b"LC", b"CcL")


def _suspicious_lines(buf: bytes, invisible: list[int]) -> Iterator[tuple[int, int]]:
    """(start, end) of the lines that may hide a name: invisibles, or mixed scripts."""
    starts = {buf.rfind(b"\n", 0, pos) + 1 for pos in invisible}
    classes = buf.translate(_SCRIPT_CLASSES)
    for pair in _MIXED:
        pos = classes.find(pair)
        while pos >= 0:
            start = buf.rfind(b"\n", 0, pos) + 1
            starts.add(start)
            end = buf.find(b"\n", pos)
            pos = classes.find(pair, len(buf) if end < 0 else end)
    for start in sorted(starts):
        end = buf.find(b"\n", start)
        yield start, len(buf) if end < 0 else end


_WORD_RE = re.compile(r"\w+")
_ASCII_WORD = bytes(1 if chr(b).isalnum() or chr(b) == "_" else 0 for b in range(128))


def is_word_char(char: str) -> bool:
    """Unicode word character: letter, digit, underscore or combining mark."""
    if char < "\x80":
        return bool(_ASCII_WORD[ord(char)])
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _char_ending_at(buf: bytes, end: int) -> str:
    """The character whose UTF-8 ends at byte ``end`` (U+FFFD for invalid bytes)."""
    start = end - 1
    while start > 0 and end - start < 4 and 0x80 <= buf[start] < 0xC0:
        start -= 1
    try:
        return buf[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd"


def _char_starting_at(buf: bytes, start: int) -> str:
    """The character whose UTF-8 starts at byte ``start`` (U+FFFD for invalid bytes)."""
    lead = buf[start]
    size = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    try:
        return buf[start : start + size].decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd"


_GIVEN_BEFORE = re.compile(r"(?<![^\W\d_])([^\W\d_]+) $")
"""A whole word and one space, at the end of a text: a given name before a surname."""


def _is_one_word(data: bytes) -> bool:
    """True when UTF-8 ``data`` is letters and digits only (so no form starts inside)."""
    try:
        return data.decode("utf-8").isalnum()
    except UnicodeDecodeError:
        return False


def _word_before(buf: bytes, pos: int, before: str) -> bool:
    if pos == 0:
        return is_word_char(before)
    b = buf[pos - 1]
    return bool(_ASCII_WORD[b]) if b < 0x80 else is_word_char(_char_ending_at(buf, pos))


def _word_at(buf: bytes, pos: int) -> bool:
    if pos >= len(buf):
        return False
    b = buf[pos]
    return bool(_ASCII_WORD[b]) if b < 0x80 else is_word_char(_char_starting_at(buf, pos))


def _followed_by_name(buf: bytes, end: int) -> bool:
    """True when a capitalised word follows after one space: the name goes on."""
    if end + 1 >= len(buf) or buf[end] != 0x20:
        return False
    b = buf[end + 1]
    return 0x41 <= b <= 0x5A if b < 0x80 else _char_starting_at(buf, end + 1).isupper()


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


class Hidden(NamedTuple):
    """A spelling that was hidden: what hid it, and the clean text it spells."""

    description: str
    clean: str


Found = tuple[int, int, int, "Hidden | None"]
"""(start byte, end byte, automaton pattern id, what was hidden) for one mention."""


class Scanner:
    """Finds mentions of an index's entities in UTF-8 text and works out their rewrites.

    Finding depends only on the table; what a mention becomes depends on the style
    and target. For the house style the index carries every pattern's rewrite,
    worked out at compile time, so the filter's inner loop is array lookups.
    """

    def __init__(self, index: Index, *, style: str | None = None, to: Target = "canonical") -> None:
        self.index = index
        self.writer = Writer(index.ids, index.canonicals, index.styles, style, to)
        patterns = index.patterns
        self.automaton = index.automaton
        self.window = patterns.max_pattern_bytes + 1
        """No mention is longer than this many bytes."""
        self.kind = patterns.kind
        self.house = style is None and to == "canonical"
        self.rewrite_ids = patterns.rewrite
        self.rewrites = patterns.rewrites
        self._readings: dict[int, Reading] = {}

    # -- text API ------------------------------------------------------------
    def scan(self, text: str, before: str = "\n") -> list[Mention]:
        """Every mention in ``text``, in order, offsets in code points."""
        buf = encode(text)
        return self.mentions(buf, self.find(buf, before))

    def rewrite(self, text: str, before: str = "\n") -> str:
        """``text`` with every mention rewritten; the rest unchanged."""
        buf = encode(text)
        return decode(self.splice(buf, self.find(buf, before)))

    # -- finding -------------------------------------------------------------
    def find(self, buf: bytes, before: str = "\n") -> list[Found]:
        """Every mention in a UTF-8 buffer, in order; ``before`` is the preceding character."""
        invisible: list[int] = []
        found = self._find_plain(buf, before, invisible)
        if not buf.isascii():
            extra: list[Found] = []
            for start, end in _suspicious_lines(buf, invisible):
                context = before if start == 0 else "\n"
                extra += self._hidden_in_line(buf, start, end, context, found)
            if extra:
                found = sorted(found + extra, key=lambda f: f[0])
        return found

    def _find_plain(
        self, buf: bytes, before: str, invisible: list[int] | None = None
    ) -> list[Found]:
        """Mentions as written; positions of invisible characters go to ``invisible``."""
        out: list[Found] = []
        end = 0
        n = len(buf)
        kind = self.kind
        aw = _ASCII_WORD
        for s, e, pid in self.automaton.find(buf):
            if s < end:
                continue
            k = kind[pid]
            if k == INVISIBLE:
                if invisible is not None:
                    invisible.append(s)
                continue
            # The common case inline: word boundaries on both sides, no name following.
            if s:
                b = buf[s - 1]
                ok = not (aw[b] if b < 0x80 else is_word_char(_char_ending_at(buf, s)))
            else:
                ok = not is_word_char(before)
            if ok and e < n:
                b = buf[e]
                ok = not (aw[b] if b < 0x80 else is_word_char(_char_starting_at(buf, e)))
                if ok and k == SHORT_NAME and b == 0x20 and _followed_by_name(buf, e):
                    ok = False
            if ok:
                out.append((s, e, pid, None))
                end = e
                continue
            word = buf[s:e]
            if word.isalnum() or (not word.isascii() and _is_one_word(word)):
                continue  # one word ("Th" in "The"): no shorter or inner form can fit
            match = self._longest_at(buf, s, e, pid, before)
            if match is None:
                # Leftmost-longest skips forms that start inside a rejected one.
                match = self._first_at_or_after(buf, s + 1, e, before)
            if match is not None:
                out.append(match)
                end = match[1]
        return out

    def _accept(self, buf: bytes, s: int, e: int, pid: int, before: str) -> Found | None:
        if _word_before(buf, s, before) or _word_at(buf, e):
            return None
        kind = self.kind[pid]
        if kind == INVISIBLE or (kind == SHORT_NAME and _followed_by_name(buf, e)):
            return None
        return (s, e, pid, None)

    def _longest_at(self, buf: bytes, s: int, e: int, pid: int, before: str) -> Found | None:
        """The longest acceptable mention starting at s, trying shorter forms in turn."""
        while True:
            match = self._accept(buf, s, e, pid, before)
            if match is not None:
                return match
            shorter = self.automaton.find(buf[s : e - 1]) if e - 1 > s else []
            if not shorter or shorter[0][0] != 0:
                return None
            e, pid = s + shorter[0][1], shorter[0][2]

    def _first_at_or_after(self, buf: bytes, start: int, stop: int, before: str) -> Found | None:
        """The leftmost acceptable mention starting in [start, stop)."""
        pos = start
        while pos < stop:
            raw = self.automaton.find(buf[pos : stop + self.window])
            if not raw or pos + raw[0][0] >= stop:
                return None
            ws, we, pid = raw[0]
            match = self._longest_at(buf, pos + ws, pos + we, pid, before)
            if match is not None:
                return match
            pos += ws + 1
        return None

    def _hidden_in_line(
        self, buf: bytes, start: int, end: int, before: str, plain: list[Found]
    ) -> list[Found]:
        """Mentions visible only once invisibles and homoglyphs are cleaned from a line."""
        line = decode(buf[start:end])
        offsets = [start]
        for char in line:
            offsets.append(offsets[-1] + len(encode(char)))
        visible = [i for i, char in enumerate(line) if char not in INVISIBLES]
        cleaned = _WORD_RE.sub(lambda m: unmix(m.group(0)), "".join(line[i] for i in visible))
        clean = bytearray()
        starts: list[int] = []
        ends: list[int] = []
        for i, char in zip(visible, cleaned, strict=True):
            piece = encode(char)
            clean += piece
            starts += [offsets[i]] * len(piece)
            ends += [offsets[i + 1]] * len(piece)
        clean_bytes = bytes(clean)
        extra: list[Found] = []
        for cs, ce, pid, _ in self._find_plain(clean_bytes, before):
            s, e = starts[cs], ends[ce - 1]
            if buf[s:e] == clean_bytes[cs:ce]:
                continue  # nothing hidden: the plain scan has it
            i = bisect.bisect_left(plain, s, key=lambda f: f[1] - 1)  # first ending after s
            if i < len(plain) and plain[i][0] < e:
                continue  # overlaps a plain mention
            hidden = describe_hidden(decode(buf[s:e])) or "invisible characters"
            extra.append((s, e, pid, Hidden(hidden, decode(clean_bytes[cs:ce]))))
        return extra

    # -- what mentions become ------------------------------------------------
    def reading(self, pid: int, found: str) -> Reading:
        """What a pattern, found as this text, resolves to and becomes (cached)."""
        cached = self._readings.get(pid)
        if cached is None:
            cached = self._readings[pid] = self.writer.read(self.index.pattern_hits(pid), found)
        return cached

    def splice(self, buf: bytes, found: list[Found]) -> bytes:
        """The buffer with the found mentions (in order, not overlapping) rewritten."""
        parts: list[bytes] = []
        pos = 0
        house, rewrite_ids, rewrites = self.house, self.rewrite_ids, self.rewrites
        for s, e, pid, hidden in found:
            if hidden is None and house:
                r = rewrite_ids[pid]
                if r < 0:
                    continue
                new = rewrites.raw(r)
            else:
                text = hidden.clean if hidden is not None else decode(buf[s:e])
                replacement = self.reading(pid, text).replacement
                if replacement is None:
                    continue
                new = replacement.encode("utf-8")
                if buf[s:e] == new:
                    continue
            parts.append(buf[pos:s])
            parts.append(new)
            pos = e
        if not parts:
            return buf
        parts.append(buf[pos:])
        return b"".join(parts)

    def mentions(self, buf: bytes, found: list[Found]) -> list[Mention]:
        """Full mention records, with offsets converted from bytes to code points."""
        out: list[Mention] = []
        byte_pos = char_pos = 0
        for s, e, pid, hidden in found:
            char_pos += len(decode(buf[byte_pos:s]))
            text = decode(buf[s:e])
            r = self.reading(pid, hidden.clean if hidden is not None else text)
            mention = Mention(
                char_pos,
                char_pos + len(text),
                text,
                r.id,
                r.canonical,
                r.replacement,
                r.rule,
                r.spelling,
                hidden.description if hidden is not None else None,
                r.ambiguous,
                r.note,
            )
            if r.ambiguous and r.rule == INFLECTED and hidden is None:
                start = out[-1].end if out else 0
                mention = self._with_given_name(mention, buf[max(0, s - 96) : s], pid, start)
            out.append(mention)
            byte_pos, char_pos = e, char_pos + len(text)
        return out

    def _with_given_name(self, mention: Mention, before: bytes, pid: int, start: int) -> Mention:
        """A surname's case form shared by namesakes, told apart by the given name just
        before it in the same case (Аляксандрам Лукашэнкам): the full name is the mention."""
        given = _GIVEN_BEFORE.search(decode(before))
        if given is None or mention.start - len(given.group(0)) < start:
            return mention
        named = named_in_case(self.index.pattern_hits(pid), [given.group(1)])
        if len(named) != 1:
            return mention
        hit = named[0]
        return Mention(
            mention.start - len(given.group(0)),
            mention.end,
            given.group(0) + mention.text,
            self.index.ids[hit.entity],
            self.index.canonicals[hit.entity],
            None,
            INFLECTED_NAME,
            hit.spelling,
            note=mention.note,
        )


# -- streams ------------------------------------------------------------------
@dataclass
class Segment:
    """A piece of the stream that no mention spans, with what was found in it."""

    scanner: Scanner
    data: bytes
    found: list[Found]
    line: int
    """1-based line number of the segment's first character (0 when not tracked)."""
    column: int
    """0-based code-point column of the segment's first character."""

    @cached_property
    def text(self) -> str:
        """The segment decoded (invalid bytes as lone surrogates)."""
        return decode(self.data)

    @cached_property
    def mentions(self) -> list[Mention]:
        """The full mention records, offsets in code points within the segment."""
        return self.scanner.mentions(self.data, self.found)

    def rewritten(self) -> bytes:
        """The segment with its mentions rewritten."""
        return self.scanner.splice(self.data, self.found)


class Stream:
    """Cuts a byte stream into segments that no mention can span.

    Complete lines are released as soon as they arrive (so an interactive filter
    answers line by line); a line longer than ``segment_bytes`` is cut far enough
    back that every mention before the cut is whole. With ``track``, segments know
    their line and column (which costs a decode); the plain filter does not need it.
    """

    def __init__(self, scanner: Scanner, segment_bytes: int = 1 << 20, track: bool = True) -> None:
        self.scanner = scanner
        self.segment_bytes = max(segment_bytes, 4 * (scanner.window + 8))
        self.track = track
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
            yield self._release(buf[:cut], self.scanner.find(buf[:cut], self.before))
            buf = self.pending
        else:
            self.pending = buf
        while len(buf) > self.segment_bytes:
            yield from self._long(buf)
            if len(self.pending) >= len(buf):
                break  # nothing could be cut safely yet: wait for more input
            buf = self.pending

    def close(self) -> Iterator[Segment]:
        """Flush what is left at the end of input."""
        if self.pending:
            data, self.pending = self.pending, b""
            yield self._release(data, self.scanner.find(data, self.before))

    def _long(self, buf: bytes) -> Iterator[Segment]:
        cut = len(buf) - self.scanner.window - 4
        while cut > 0 and 0x80 <= buf[cut] < 0xC0:
            cut -= 1  # never inside a character
        if cut <= 0:
            return
        found = [f for f in self.scanner.find(buf, self.before) if f[0] < cut]
        if found and found[-1][1] > cut:
            cut = found[-1][1]
        self.pending = buf[cut:]
        yield self._release(buf[:cut], found)

    def _release(self, data: bytes, found: list[Found]) -> Segment:
        segment = Segment(self.scanner, data, found, self.line if self.track else 0, self.column)
        if data:
            self.before = _char_ending_at(data, len(data))
            if self.track:
                newline = data.rfind(b"\n")
                if newline >= 0:
                    self.line += data.count(b"\n")
                    self.column = len(decode(data[newline + 1 :]))
                else:
                    self.column += len(decode(data))
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
