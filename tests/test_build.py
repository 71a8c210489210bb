"""The installed build runs the sources in this checkout.

The lookup modules are compiled with mypyc (see setup.py), and a compiled module
shadows its source: after an edit, an editable install runs the old code until it is
rebuilt. The build records each compiled source's digest in ``_compiled.json``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
from pathlib import Path

import pytest

import namenorm

PACKAGE = Path(namenorm.__file__).parent
RECORD = json.loads((PACKAGE / "_compiled.json").read_text(encoding="utf-8"))
LOOKUP_MODULES = ["fold", "fuzzy", "neighbours", "resolver", "score"]
"""Modules any compiled build compiles (setup.py's COMPILED holds these and more)."""


def _is_compiled(module: str) -> bool:
    path = importlib.import_module(f"namenorm.{module}").__file__ or ""
    return path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_compiled_modules_are_built_from_the_current_sources() -> None:
    """Every compiled module was built from its source as it is now, and is the one
    imported (else: rebuild with `pip install -e .`)."""
    stale = [
        module
        for module, digest in RECORD.items()
        if hashlib.sha256((PACKAGE / f"{module}.py").read_bytes()).hexdigest() != digest
    ]
    assert not stale, f"changed since compiled, rebuild with `pip install -e .`: {stale}"
    assert [m for m in RECORD if not _is_compiled(m)] == []


@pytest.mark.parametrize("module", LOOKUP_MODULES)
def test_the_record_says_which_modules_run_compiled(module: str) -> None:
    """The lookup modules run compiled exactly when the build says it compiled them
    (a pure build, NAMENORM_PURE_PYTHON=1, leaves no compiled module shadowing one)."""
    assert _is_compiled(module) == (module in RECORD)
