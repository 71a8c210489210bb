"""Folding: one function for index and queries; what it removes and what it keeps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from namenorm.fold import (
    _PLAIN_CYRILLIC_RE,
    _SPLIT_RE,
    _confusables,
    _fold_any,
    _fold_plain,
    _fold_text,
    clean,
    fold,
    fold_around_comma,
    is_latin,
    split_words,
    unmix,
)
from namenorm.translit import has_cyrillic, is_cyrillic, scheme_for


@pytest.mark.parametrize(
    ("spelling", "tokens"),
    [
        ("Lukashenka", ("lukashenka",)),
        ("LUKASHENKA, Alyaksandr", ("lukashenka", "alyaksandr")),
        ("Лукашэнка", ("lukashenka",)),
        ("Ціханоўская", ("tsikhanouskaya",)),
        ("Тихановская", ("tikhanovskaya",)),
        ("Łukaszenka", ("lukaszenka",)),
        ("Cichanoŭskaja", ("cichanouskaja",)),
        ("Tikhanovskaïa", ("tikhanovskaia",)),
        ("Rifa'i", ("rifai",)),
        ("Rifa’i", ("rifai",)),
        ("Al-Zomor", ("al", "zomor")),
        ("ＬＵＫＡＳＨＥＮＫＡ", ("lukashenka",)),  # fullwidth: NFKC
        ("Luka\u00adshenka", ("lukashenka",)),  # soft hyphen
        ("Luka\u200bshenka\u200e", ("lukashenka",)),  # zero-width space, LRM
        ("Lukаshenka", ("lukashenka",)),  # Cyrillic а inside a Latin word
        ("Лукашeнка", ("lukashenka",)),  # Latin e inside a Cyrillic word
        ("  Minsk  ", ("minsk",)),
        # letters the Cyrillic schemes leave, and marks that once split a word
        ("Қасым-Жомарт Тоқаев", ("kasym", "zhomart", "tokayev")),  # Kazakh қ
        ("Әлинә Кабаева", ("alina", "kabayeva")),  # Tatar ә
        ("İlham Əliyev", ("ilham", "aliyev")),  # Azerbaijani schwa, Latin script
        ("Λουκασένκο", ("loukasenko",)),  # no apostrophe for the Greek ν+κ
    ],
)
def test_fold_examples(spelling: str, tokens: tuple[str, ...]) -> None:
    assert fold(spelling) == tokens


def test_language_tag_chooses_the_scheme() -> None:
    assert fold("Гомель") == ("gomel",)  # no Belarusian letter: read as Russian
    assert fold("Гомель", "be") == ("homel",)


def test_scheme_is_chosen_per_name_not_per_word() -> None:
    # Only the first word shows the name is Ukrainian (і with и is not Belarusian).
    assert fold("Юлія Тимошенко") == ("yuliia", "tymoshenko")


def test_unmix_leaves_single_script_words_alone() -> None:
    assert unmix("Minsk") == "Minsk"
    assert unmix("Мінск") == "Мінск"
    assert unmix("Mіnsk") == "Minsk"


@given(st.text(max_size=40))
def test_fold_output_is_ascii_tokens(text: str) -> None:
    for token in fold(text):
        assert token.isascii() and token.isalnum() and token == token.lower()


@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(" ".join(once)) == once


@pytest.mark.parametrize(
    ("spelling", "tokens"),
    [
        ("Льво́вич", ("lvovich",)),  # a stress mark does not split the word
        ("Ja‘far", ("jafar",)),
        ("Jaʿfar", ("jafar",)),  # ʿayn as an apostrophe
    ],
)
def test_marks_and_apostrophes_stay_inside_words(spelling: str, tokens: tuple[str, ...]) -> None:
    assert fold(spelling) == tokens


# Letters of both scripts and their neighbours: Latin with diacritics, Cyrillic with
# its supplement, digits, Greek and signs such as × that are not letters.
mixed_words = st.text(
    alphabet=st.sampled_from("aeoxpcAEOPCäłŭ×ªа" + "еорсхАЕОРСіїўђԀԯ" + "1αΩ_-"), max_size=10
)


@given(mixed_words)
def test_the_quick_script_checks_agree_with_counting_letters(word: str) -> None:
    """unmix() and has_cyrillic() skip words in one script by a regex scan: they give
    what counting each character's script gives."""
    assert has_cyrillic(word) == any(is_cyrillic(c) for c in word)
    latin = sum(1 for c in word if is_latin(c))
    cyrillic = sum(1 for c in word if is_cyrillic(c))
    if not latin or not cyrillic:
        assert unmix(word) == word
    else:  # the homoglyphs of the main script's side replace the others
        cyr_to_lat, lat_to_cyr = _confusables()
        if latin >= cyrillic:
            assert unmix(word) == "".join(cyr_to_lat.get(c, c) for c in word)
        else:
            assert unmix(word) == "".join(lat_to_cyr.get(c, c) for c in word)


@settings(max_examples=1000, deadline=None)
@given(
    st.text(alphabet="abcXYZ '`-_.,1\t", max_size=20) | st.text(alphabet="abcАБВé ,'", max_size=12)
)
def test_folding_around_a_comma_is_folding_each_side(name: str) -> None:
    """fold_around_comma() reads an ASCII name's head and tail off the whole name's
    tokens: the same as folding each side."""
    head, _, tail = name.partition(",")
    assert fold_around_comma(name) == (fold(head), fold(tail))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)) | st.text(alphabet="abXY09 ,\t-._'`"))
def test_ascii_names_fold_as_any_text_does(text: str) -> None:
    """ASCII names take a short way (lower, apostrophes, split; words between spaces,
    commas, hyphens and dots split at them): the same tokens as every step of folding
    gives."""
    assert fold.__wrapped__(text) == _fold_text(text, None)  # type: ignore[attr-defined]


@given(st.text())
def test_words_are_the_runs_the_split_pattern_leaves(text: str) -> None:
    """split_words() splits text of words and spaces at its spaces: the same words as
    the general pattern gives, for any text."""
    assert split_words(text) == [w for w in _SPLIT_RE.split(text) if w]


PLAIN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўђѓѕјљњћќџ"
"""Lowercase letters of the plain Cyrillic fast path, Serbian and Macedonian ones
included: the schemes leave those to the general way."""


@given(
    st.lists(st.text(alphabet=PLAIN_LETTERS, min_size=1, max_size=10), min_size=1, max_size=4),
    st.sampled_from([" ", "  ", "\t", ", ", ","]),
    st.sampled_from([None, "ru", "be", "uk", "sr"]),
)
def test_plain_cyrillic_names_fold_as_every_step_does(
    words: list[str], space: str, lang: str | None
) -> None:
    """A name of Cyrillic letters between spaces and commas takes a short way (one
    scheme, a word memo, no checks that cannot apply): the same tokens as every step
    gives."""
    text = space.join(words)
    assert _PLAIN_CYRILLIC_RE.fullmatch(text)
    assert _fold_plain(text.replace(",", " ").split(), scheme_for(text, lang)) == _fold_any(
        text, lang
    )


@pytest.mark.parametrize(
    "name", ["Жељка Цвијановић", "  Лукашэнка  Аляксандр ", "ЛУКАШЕНКО, Виктор", "Юр'евіч"]
)
def test_short_and_general_ways_agree_on_names(name: str) -> None:
    """Letters the scheme leaves (Serbian љ), extra spaces, a comma and an apostrophe:
    fold() gives every step's tokens, in ASCII."""
    got = fold.__wrapped__(name)  # type: ignore[attr-defined]
    assert got == _fold_any(clean(name), None)
    assert all(t.isascii() for t in got)
