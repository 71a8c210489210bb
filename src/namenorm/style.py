"""House-style checking: findings with positions, and fixes written atomically.

A finding is a mention whose house spelling differs from what was written, or one
hidden by invisible characters or homoglyphs. Fixing uses the same lossless
rewriting as the filter, writes to a temporary file beside the original and
renames it over, so an interrupted fix never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from namenorm.fold import INVISIBLES
from namenorm.rewrite import Mention, Scanner, Segment, Stream, positions

READ_BYTES = 1 << 20


@dataclass(frozen=True)
class Finding:
    """One place where a text departs from house style."""

    path: str
    line: int
    column: int
    """1-based, in code points."""
    mention: Mention

    def message(self) -> str:
        """What was found and what house style wants, e.g. for an editor's problem list."""
        m = self.mention
        hidden = f" (hidden: {m.hidden})" if m.hidden else ""
        # a surname several entities share is rewritten when they all write it alike
        who = m.id if m.id is not None else "one of " + ", ".join(m.ambiguous)
        return f"found '{visible(m.text)}'{hidden}, house style '{m.replacement}' ({who})"

    def format(self, style: str = "text") -> str:
        """The finding as a line: ``path:line:col: message``, JSON, or a GitHub annotation."""
        if style == "json":
            data = {
                "path": self.path,
                "line": self.line,
                "column": self.column,
                "end_column": self.column + len(self.mention.text),
                "message": self.message(),
                **self.mention.as_dict(),
            }
            return json.dumps(data, ensure_ascii=False)
        if style == "github":
            return (
                f"::warning file={self.path},line={self.line},col={self.column},"
                f"title=namenorm::{self.message()}"
            )
        return f"{self.path}:{self.line}:{self.column}: {self.message()}"


def visible(text: str) -> str:
    """Show invisible characters as <U+XXXX> so a reader can see what is there."""
    return "".join(f"<U+{ord(c):04X}>" if c in INVISIBLES else c for c in text)


def findings(mentions: Iterable[tuple[int, int, Mention]], path: str) -> Iterator[Finding]:
    """The findings among positioned mentions: those a rewrite would change."""
    for line, column, mention in mentions:
        if mention.changes:
            yield Finding(path, line, column, mention)


def check_stream(
    source: BinaryIO, scanner: Scanner, path: str, sink: BinaryIO | None = None
) -> Iterator[Finding]:
    """Check a byte stream; with a sink, also write the fixed text to it."""
    stream = Stream(scanner)

    def emit(segments: Iterable[Segment]) -> Iterator[Finding]:
        for segment in segments:
            if sink is not None:
                sink.write(segment.rewritten())
            yield from findings(positions(segment), path)

    while True:
        data = source.read(READ_BYTES)
        if not data:
            break
        yield from emit(stream.feed(data))
    yield from emit(stream.close())


def check_file(path: Path, scanner: Scanner, *, fix: bool = False) -> list[Finding]:
    """Check one file; with ``fix``, rewrite it in place atomically when it has findings.

    Raises OSError when the file cannot be read or replaced.
    """
    shown = str(path)
    if not fix:
        with path.open("rb") as source:
            return list(check_stream(source, scanner, shown))
    target = path.resolve()  # fix the file a symlink points to, keep the link
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".namenorm", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as sink, target.open("rb") as source:
            found = list(check_stream(source, scanner, shown, sink))
        if found:
            os.chmod(tmp, mode)
            os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return found
