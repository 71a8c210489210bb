"""namenorm: one person, twenty spellings.

Maps every spelling of a name to one canonical ID and one house spelling, with a
variant table plus ICU transliteration. See README.md for the table format, the
command line and the library API.
"""

from __future__ import annotations

__version__ = "0.1.0"
