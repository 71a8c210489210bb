"""The on-disk cache of compiled data: table indexes, and the name data fuzzy lookup needs.

Both are pure functions of files that rarely change, and both cost more to build than
to read back: a large table's index takes seconds, and the given-name groups take a
tenth of a second (thousands of spellings folded through ICU) at the first fuzzy
lookup of every process. So each is stored once, under a digest of what it was made
from, in the user's cache directory, and written atomically, so that a process that
dies mid-write leaves nothing half-written behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

KEEP_DATA = 2
"""Versions of each compiled data file kept; older ones are deleted."""


def cache_dir() -> Path:
    """Where compiled data is cached: $NAMENORM_CACHE_DIR, else the user cache dir."""
    explicit = os.environ.get("NAMENORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "namenorm"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "namenorm"


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """Hash of the package's code and data files: rules, name data and the code that
    applies them all shape what is compiled, so a change to any of them (even in an
    editable install, where the version stays put) rebuilds it."""
    hasher = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for entry in sorted(folder.rglob("*")):
        if entry.suffix in (".py", ".yaml", ".json") and entry.is_file():
            hasher.update(entry.relative_to(folder).as_posix().encode())
            hasher.update(entry.read_bytes())
    return hasher.digest()


def write(path: Path, value: object) -> None:
    """Pickle ``value`` to ``path`` atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def compiled(name: str, build: Callable[[], T]) -> T:
    """``build()``, read back from the cache when this code and data made it before.

    A cache that cannot be read is rebuilt, and one that cannot be written is
    skipped: the cache only ever saves time.
    """
    folder = cache_dir()
    path = folder / f"{name}-{code_digest().hex()[:40]}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        with path.open("rb") as f:
            value: T = pickle.load(f)
        return value
    value = build()
    with contextlib.suppress(OSError):
        write(path, value)
        old = sorted(folder.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_DATA]:
            stale.unlink()
    return value


def data_file(name: str) -> Any:
    """A YAML file of ``namenorm/data`` (``name`` relative to it), parsed.

    Parsed once per version of the code and data, and read back from the cache after
    that: a process answering from cached data then never imports PyYAML, which took
    a sixth of ``lookup``'s start-up.
    """
    return compiled("data-" + name.replace("/", "-"), lambda: _parse_data(name))


def _parse_data(name: str) -> Any:
    import yaml

    path = resources.files("namenorm") / "data" / name
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
