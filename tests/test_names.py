"""Name-part equivalences: given_names.yaml and patronymics.yaml, each sample a test."""

from __future__ import annotations

import re
import unicodedata

import pytest

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


def _edits(a: str, b: str) -> int:
    """Levenshtein distance by the textbook table: the reference for within_one_edit."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def test_within_one_edit_agrees_with_the_edit_distance() -> None:
    """Every pair of strings up to four letters over a three-letter alphabet (14,641
    pairs): one edit or none exactly when the distance is at most 1."""
    words = [""]
    for _ in range(4):
        words += [w + c for w in words if len(w) == len(words[-1]) for c in "abc"]
    words = list(dict.fromkeys(words))
    wrong = [(a, b) for a in words for b in words if within_one_edit(a, b) != (_edits(a, b) <= 1)]
    assert len(words) == 121
    assert wrong == []
