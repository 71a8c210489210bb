"""Table loading: every bad table is refused with one line naming file, line and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from namenorm.table import TableError, load_tables

GOOD_ENTITY = "  - id: minsk\n    type: place\n    canonical: Minsk\n    names: [Минск]\n"


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_TABLES = [
    # (table text, line the error must name, words the message must contain)
    ("entities:\n  - id: a\n    canonical: [unclosed\n", 4, "malformed YAML"),
    ("entities:\n  - type: person\n    canonical: X\n", 2, "no 'id'"),
    (f"entities:\n{GOOD_ENTITY}{GOOD_ENTITY}", 6, "duplicate id"),
    ("entities:\n  - id: a\n    canonical: A\n    names: ['']\n", 4, "names[0] is empty"),
    (
        "entities:\n  - id: a\n    canonical: A\n    names: [NO]\n",
        4,
        "YAML reads 'NO' as a boolean",
    ),
    ("entities:\n  - id: a\n    canonical: A\n    names: [0123]\n", 4, "as a number"),
    ("entities:\n  - id: a\n    canonical: A\n    names: [~]\n", 4, "as empty"),
    ("entities:\n  - id: a\n    canonical: A\n    nmes: [B]\n", 4, "unknown key 'nmes'"),
    ("entities:\n  - id: a\n    canonical: A\n    type: ship\n", 4, "type 'ship'"),
    ("entities:\n  - id: a b\n    canonical: A\n", 2, "contains whitespace"),
    ("entities:\n  - id: a\n    canonical: A\n    names: [{lang: be}]\n", 4, "has no 'name'"),
    (
        "entities:\n  - id: a\n    canonical: A\n    names: [{name: B, lang: Belarusian}]\n",
        4,
        "not a language code",
    ),
    ("version: 2\nentities: []\n", 1, "unsupported table version"),
    ("entities:\n  - id: a\n    canonical: A\n    names: B\n", 4, "names must be a list"),
    ("entities:\n  - id: a\n    canonical: '!!!'\n", 3, "no letters or digits"),
    (
        "entities:\n  - id: a\n    canonical: Hrodna\n  - id: b\n    canonical: Grodno\n"
        "    names: [HRODNA]\n",
        6,
        "conflicts with 'Hrodna' of entity 'a'",
    ),
    (
        "entities:\n  - id: a\n    canonical: Hrodna\n  - id: b\n    canonical: B\n"
        "    names: [{name: Гродна, lang: be}]\n",
        6,
        "conflicts with",
    ),
    (
        "entities:\n  - id: a\n    canonical: A\n    names: &x [B]\n  - id: b\n    canonical: C\n"
        "    names: *x\n",
        4,
        "aliases",
    ),
    ("- just\n- a list\n", 1, "the table must be a mapping"),
    ("entities: {}\n", 1, "entities must be a list"),
]


@pytest.mark.parametrize(("text", "line", "words"), BAD_TABLES)
def test_bad_table_error_names_file_line_and_problem(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TableError) as caught:
        load_tables([path])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


def test_entity_error_names_the_entity(tmp_path: Path) -> None:
    path = write(tmp_path, "entities:\n  - id: lukashenka\n    canonical: A\n    names: [yes]\n")
    with pytest.raises(TableError, match="entity 'lukashenka'"):
        load_tables([path])


def test_alias_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ["entities:", "  - id: e0", "    canonical: E", "    names: &a0 [x, x, x, x, x]"]
    for i in range(1, 30):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines += [f"  - id: e{i}", "    canonical: E", f"    names: &a{i} [{refs}]"]
    with pytest.raises(TableError, match="aliases"):
        load_tables([write(tmp_path, "\n".join(lines) + "\n")])


def test_oversized_table_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import namenorm.table as table

    monkeypatch.setattr(table, "MAX_TABLE_BYTES", 1000)
    path = write(tmp_path, "entities:\n" + GOOD_ENTITY * 100)
    with pytest.raises(TableError, match="over the"):
        load_tables([path])


def test_missing_file_and_directory_are_table_errors(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="no such table file"):
        load_tables([tmp_path / "absent.yaml"])
    with pytest.raises(TableError, match="is a directory"):
        load_tables([tmp_path])


def test_invalid_utf8_table(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"entities:\n  - id: a\n    canonical: \xff\xfe\n")
    with pytest.raises(TableError):
        load_tables([path])


def test_conflict_allowed_is_kept_as_ambiguous(tmp_path: Path) -> None:
    path = write(
        tmp_path, "entities:\n  - id: a\n    canonical: Brest\n  - id: b\n    canonical: BREST\n"
    )
    table = load_tables([path], allow_conflicts=True)
    assert table.ambiguous == {"brest": ("a", "b")}


def test_later_table_extends_and_overrides(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "entities:\n  - id: kyiv\n    type: place\n    canonical: Kiev\n    names: [Київ]\n",
        "base.yaml",
    )
    house = write(
        tmp_path,
        "entities:\n  - id: kyiv\n    canonical: Kyiv\n    names: [Kijów]\n"
        "  - id: lviv\n    canonical: Lviv\n",
        "house.yaml",
    )
    table = load_tables([base, house])
    kyiv = table.entities[0]
    assert kyiv.canonical == "Kyiv"
    assert kyiv.type == "place"  # not restated: kept from the base table
    assert [s.text for s in kyiv.spellings] == ["Kyiv", "Kiev", "Київ", "Kijów"]
    assert [e.id for e in table.entities] == ["kyiv", "lviv"]
    assert table.entities[1].type == "other"


def test_digest_changes_with_content(tmp_path: Path) -> None:
    path = write(tmp_path, "entities:\n" + GOOD_ENTITY)
    first = load_tables([path]).digest
    path.write_text("entities:\n" + GOOD_ENTITY.replace("Минск", "Мінск"), encoding="utf-8")
    assert load_tables([path]).digest != first


def test_bundled_table_loads_with_many_entities() -> None:
    table = load_tables()
    assert len(table.entities) >= 150
    assert {e.type for e in table.entities} >= {"person", "place", "org"}
    assert table.ambiguous == {}


def test_namesakes_share_their_name_as_ambiguous(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n  - id: a\n    canonical: Muhammad 'Ali\n"
        "    names: [\"'ALI, Muhammad\"]\n  - id: b\n    canonical: Muhammad 'Ali\n"
        '    names: ["\'ALI, Muhammad"]\n',
    )
    table = load_tables([path])  # no error: same house spelling, so namesakes
    assert table.ambiguous == {"ali muhammad": ("a", "b")}


def test_cache_key_covers_table_bytes_and_the_package_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import namenorm.index as index

    path = write(tmp_path, "entities:\n" + GOOD_ENTITY)
    first = index.table_digest([path], False)
    assert index.table_digest([path], True) != first
    monkeypatch.setattr(index, "code_digest", lambda: b"other rules")
    assert index.table_digest([path], False) != first
