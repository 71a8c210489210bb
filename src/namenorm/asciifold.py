"""Last-resort ASCII folding.

This is the only module that imports Unidecode, which is GPL-2.0-or-later: keeping
it behind one function makes it easy to see where that licence applies and to swap
the library out. It is reached only for characters ICU's transforms leave non-ASCII.
"""

from __future__ import annotations

from unidecode import unidecode


def ascii_fold(text: str) -> str:
    """Approximate ``text`` with ASCII characters; unknown characters are dropped."""
    return str(unidecode(text, errors="ignore"))
