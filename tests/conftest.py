"""Shared fixtures: the test tables, an isolated index cache, and the real command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import settings

from namenorm.resolver import Resolver

# Timing is the benchmarks' business: on a loaded CI machine a first call that
# compiles ICU rules must not fail a property test on its deadline.
settings.register_profile("namenorm", deadline=None)
settings.load_profile("namenorm")

HERE = Path(__file__).parent
TINY = HERE / "data" / "tiny.yaml"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, the textbook way: the reference for the fast ones."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NAMENORM_CACHE_DIR", str(cache_dir))
    yield


@pytest.fixture(scope="session")
def tiny() -> Resolver:
    return Resolver.from_tables([TINY], use_cache=False)


@pytest.fixture(scope="session")
def bundled() -> Resolver:
    return Resolver.from_tables(use_cache=False)


def command() -> list[str]:
    """The installed console script, else the module: the command a user runs."""
    script = Path(sys.executable).with_name("namenorm")
    if script.exists():
        return [str(script)]
    found = shutil.which("namenorm")
    return [found] if found else [sys.executable, "-m", "namenorm"]


def run(
    args: Sequence[str], stdin: bytes = b"", cache: Path | None = None, **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    """Run the real ``namenorm`` command."""
    env = dict(os.environ)
    if cache is not None:
        env["NAMENORM_CACHE_DIR"] = str(cache)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*command(), *args], input=stdin, capture_output=True, env=env, timeout=120, **kwargs
    )
