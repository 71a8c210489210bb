"""Name-part equivalences: given_names.yaml and patronymics.yaml, each sample a test."""

from __future__ import annotations

import re
import unicodedata
from itertools import product

import pytest
from conftest import edit_distance

from namenorm.names import (
    given_group,
    given_names,
    joined,
    patronymic_group,
    patronymics,
    within_one_edit,
)

GROUPS = given_names().forms
PATRONYMICS = patronymics()


@pytest.mark.parametrize(
    ("form", "group"),
    [(f, g) for g, forms in GROUPS.items() for f in forms],
    ids=[f"{g}:{f}" for g, forms in GROUPS.items() for f in forms],
)
def test_given_name_form_in_its_group(form: str, group: str) -> None:
    assert given_group(form) == group


def test_no_form_in_two_groups() -> None:
    from importlib import resources

    import yaml

    raw = yaml.safe_load(
        (resources.files("namenorm") / "data" / "given_names.yaml").read_text("utf-8")
    )

    def loose(text: str) -> str:
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
        return re.sub(r"[\W_]|[\u0300-\u036f]", "", text)

    owner: dict[str, str] = {}
    for group in raw["groups"]:
        for form in group["forms"]:
            for key in {loose(str(form)), joined(str(form))}:
                assert owner.setdefault(key, group["id"]) == group["id"], (form, owner[key])


@pytest.mark.parametrize(
    ("patronymic", "group"),
    PATRONYMICS.samples,
    ids=[f"{p}:{g}" for p, g in PATRONYMICS.samples],
)
def test_patronymic_sample(patronymic: str, group: str) -> None:
    assert patronymic_group(joined(patronymic)) == group


def test_female_groups_are_never_fathers() -> None:
    assert patronymic_group(joined("Aleksandrovich")) == "alexander"
    assert "alexandra" in PATRONYMICS.female_groups
    assert set(PATRONYMICS.bases.values()).isdisjoint(PATRONYMICS.female_groups)


def test_a_given_name_is_no_patronymic() -> None:
    assert patronymic_group("lukashenka") is None
    assert patronymic_group("karpovich") is None  # no given name Karp in the groups


def test_within_one_edit_agrees_with_the_edit_distance() -> None:
    """Every pair of strings up to four letters over a three-letter alphabet (14,641
    pairs): one edit or none exactly when the distance is at most 1."""
    words = ["".join(letters) for n in range(5) for letters in product("abc", repeat=n)]
    wrong = [
        (a, b) for a in words for b in words if within_one_edit(a, b) != (edit_distance(a, b) <= 1)
    ]
    assert len(words) == 121
    assert wrong == []
