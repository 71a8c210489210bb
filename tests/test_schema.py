"""The shipped JSON Schema agrees with the loader on real and broken tables."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import TINY

from namenorm.table import bundled_table_path

SCHEMA = json.loads(
    (resources.files("namenorm") / "data" / "table.schema.json").read_text(encoding="utf-8")
)


def data(path: Path) -> object:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("path", [bundled_table_path(), TINY], ids=["bundled", "tiny"])
def test_tables_validate(path: Path) -> None:
    jsonschema.validate(data(path), SCHEMA)


@pytest.mark.parametrize(
    "table",
    [
        {"entities": [{"id": "a"}]},
        {"entities": [{"id": "a b", "canonical": "A"}]},
        {"entities": [{"id": "a", "canonical": "A", "names": [False]}]},
        {"entities": [{"id": "a", "canonical": "A", "nmes": []}]},
        {"entities": [{"id": "a", "canonical": "A", "type": "ship"}]},
        {"version": 2, "entities": []},
    ],
)
def test_schema_rejects_what_the_loader_rejects(table: object) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(table, SCHEMA)
