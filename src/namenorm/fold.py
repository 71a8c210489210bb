"""Folding: the one function that turns any spelling into the tokens keys are made of.

The index is built with :func:`fold` and every query is answered with it, so a
spelling and its query can only meet if they fold alike. Folding removes what
carries no identity: compatibility forms (NFKC), case, invisible characters
(zero-width, bidi controls, soft hyphen), punctuation, Latin/Cyrillic homoglyphs
smuggled into a word of the other script, and finally the script itself
(transliteration to lowercase ASCII).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from namenorm.translit import (
    cyrillic_scheme,
    has_cyrillic,
    is_cyrillic,
    scheme_for,
    to_latin,
    transliterator,
)

INVISIBLES = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
    "\u3164\ufeff\uffa0" + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)
"""Characters that render as nothing (or nearly) and so can hide inside a name."""

_INVISIBLE_RE = re.compile("[" + re.escape("".join(sorted(INVISIBLES))) + "]")
_APOSTROPHES = "'‘’ʼʻʽʾʿ`´ʹ"
_APOSTROPHE_RE = re.compile(rf"(?<=[^\W\d_])[{_APOSTROPHES}](?=[^\W\d_])")
_ANY_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")
_LOOSE_MARKS_RE = re.compile("[\u0300-\u036f]")
_SPLIT_RE = re.compile(r"[\W_]+")


def strip_invisibles(text: str) -> str:
    """Remove the characters in :data:`INVISIBLES`."""
    return _INVISIBLE_RE.sub("", text)


def is_latin(char: str) -> bool:
    """True for Latin letters (ASCII and the Latin extensions)."""
    return char.isalpha() and (char < "\u0250" or "\u1e00" <= char <= "\u1eff")


_MAYBE_LATIN_RE = re.compile("[A-Za-z\u00aa\u00b5\u00ba\u00c0-\u024f\u1e00-\u1eff]")
"""Every character :func:`is_latin` admits (and a few it does not, such as ×): a word
with none of them has no Latin letter."""


@lru_cache(maxsize=1)
def _confusables() -> tuple[dict[str, str], dict[str, str]]:
    """Latin<->Cyrillic single-letter homoglyphs, taken from ICU's confusable data.

    A Cyrillic letter whose confusable skeleton is one Latin letter of the same case
    is a homoglyph of it (а/a, о/o, р/p, с/c, і/i, ј/j...). The reverse map prefers
    letters of the basic Russian alphabet.
    """
    import icu  # ICU is slow to import: only when homoglyphs are first met

    checker = icu.SpoofChecker()
    cyr_to_lat: dict[str, str] = {}
    lat_to_cyr: dict[str, str] = {}
    # The Russian alphabet first, so that it wins where several letters look alike.
    for code in (*range(0x0410, 0x0450), *range(0x0400, 0x0410), *range(0x0450, 0x0530)):
        char = chr(code)
        if not char.isalpha():
            continue
        skeleton = checker.getSkeleton(0, char)
        same_case = skeleton.isupper() == char.isupper()
        if len(skeleton) == 1 and skeleton.isascii() and skeleton.isalpha() and same_case:
            cyr_to_lat.setdefault(char, skeleton)
            lat_to_cyr.setdefault(skeleton, char)
    return cyr_to_lat, lat_to_cyr


def load() -> None:
    """Build now the homoglyph tables a word mixing Latin and Cyrillic needs (from
    ICU, about a millisecond), rather than in the middle of the first batch that has one."""
    _confusables()


def unmix(word: str) -> str:
    """Fold homoglyphs in a word that mixes Latin and Cyrillic into its main script.

    "Lukаshenko" with a Cyrillic "а" becomes all-Latin; "Лукашeнко" with a Latin "e"
    all-Cyrillic. Letters without a homoglyph are left alone; a word that stays
    mixed is still transliterated letter by letter later, so no key is ever mixed.
    """
    if not has_cyrillic(word) or not _MAYBE_LATIN_RE.search(word):
        return word  # one script only: nothing to count
    latin = cyrillic = 0
    for char in word:
        if is_cyrillic(char):
            cyrillic += 1
        elif is_latin(char):
            latin += 1
    if not latin or not cyrillic:
        return word
    cyr_to_lat, lat_to_cyr = _confusables()
    if latin >= cyrillic:
        return "".join(cyr_to_lat.get(c, c) for c in word)
    return "".join(lat_to_cyr.get(c, c) if c.isascii() else c for c in word)


def clean(text: str) -> str:
    """NFKC, invisibles removed, casefolded: the text folding starts from."""
    return unicodedata.normalize("NFKC", strip_invisibles(text)).casefold()


@lru_cache(maxsize=1 << 20)
def fold(name: str, lang: str | None = None) -> tuple[str, ...]:
    """Fold a spelling to lowercase ASCII tokens, in their written order.

    ``fold("LUKASHENKA, Alyaksandr") == ("lukashenka", "alyaksandr")``;
    ``fold("Лукашэнка") == ("lukashenka",)``. Cyrillic is romanised with one scheme
    for the whole name: the one ``lang`` names, else the one its letters reveal.
    """
    if name.isascii():
        return _ascii_words(name.lower())
    return _fold_text(name, lang)


_PLAIN_CYRILLIC_RE = re.compile(
    r"[\s,]*[\u0430-\u045f\u0491]+(?:[\s,]+[\u0430-\u045f\u0491]+)*[\s,]*"
)
"""Casefolded text of Russian, Belarusian and Ukrainian letters between spaces and
commas, as most Cyrillic names are ("лукашэнка, аляксандр"): nothing in it for
folding's other steps (marks, apostrophes, Latin homoglyphs, other separators) to do."""

_PLAIN_WORDS: dict[str, dict[str, tuple[str, ...]]] = {}
"""Scheme -> plain Cyrillic word -> its tokens: the words of :func:`_fold_plain`."""


def _fold_text(name: str, lang: str | None) -> tuple[str, ...]:
    """:func:`fold` step by step, for text in any script."""
    text = clean(name)
    if _PLAIN_CYRILLIC_RE.fullmatch(text):
        return _fold_plain(text.replace(",", " ").split(), cyrillic_scheme(text, lang))
    return _fold_any(text, lang)


def _fold_plain(words: list[str], scheme: str) -> tuple[str, ...]:
    """The tokens of plain Cyrillic words (see ``_PLAIN_CYRILLIC_RE``): each word
    romanised by the scheme, as :func:`fold_word` does, without the checks that cannot
    apply; remembered per word (a batch of names repeats its given names)."""
    known = _PLAIN_WORDS.get(scheme)
    if known is None or len(known) > 1 << 16:
        known = _PLAIN_WORDS[scheme] = {}
    tokens: list[str] = []
    compiled = None
    for word in words:
        found = known.get(word)
        if found is None:
            if compiled is None:
                compiled = transliterator(scheme)
            latin: str = compiled.transliterate(word)
            # ICU leaves a letter outside the scheme (Serbian љ, say): the general way
            found = (
                tuple(split_words(latin.lower())) if latin.isascii() else fold_word(word, scheme)
            )
            known[word] = found
        tokens.extend(found)
    return tuple(tokens)


def _fold_any(text: str, lang: str | None) -> tuple[str, ...]:
    """:func:`fold` of cleaned text in any script, every step taken."""
    # Loose combining marks (stress accents on Cyrillic vowels, say) would split words.
    text = _LOOSE_MARKS_RE.sub("", text)
    if _ANY_APOSTROPHE_RE.search(text):
        text = _APOSTROPHE_RE.sub("", text)
    words = split_words(text)
    if _MAYBE_LATIN_RE.search(text):  # else no word can mix Latin with Cyrillic
        words = [unmix(w) if not w.isascii() else w for w in words]
    scheme = None if text.isascii() else scheme_for(" ".join(words), lang)
    tokens: list[str] = []
    for word in words:
        tokens.extend(fold_word(word, scheme))
    return tuple(tokens)


def split_words(text: str) -> list[str]:
    """The words of a text: its runs of letters and digits (what ``[\\W_]+`` splits
    off). Text of words and spaces only, as most names are, is split at its spaces."""
    words = text.split()
    if all(w.isalnum() for w in words):
        return words
    return [w for w in _SPLIT_RE.split(text) if w]


def _ascii_words(text: str) -> tuple[str, ...]:
    """The words of lowercase ASCII text: what folding makes of it, read directly (NFKC,
    invisibles, loose marks and scripts only concern other characters; ' and ` are
    the only ASCII apostrophes)."""
    if "'" in text or "`" in text:
        text = _APOSTROPHE_RE.sub("", text)
    # most names: letters between spaces, commas, hyphens and the dots of initials
    words = text.replace(",", " ").replace("-", " ").replace(".", " ").split()
    if "".join(words).isalnum():
        return tuple(words)
    return tuple([w for w in _SPLIT_RE.split(text) if w])


def fold_around_comma(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``fold(head), fold(tail)`` of a name written "HEAD, TAIL" (split at its first
    comma): which tokens came before the comma.

    An ASCII name folds word by word, so its tokens are those of the head then those
    of the tail, and the head's count is read off its words without folding it again.
    Other names fold each side afresh (the scheme is chosen per text).
    """
    head, _, tail = name.partition(",")
    if not name.isascii():
        return fold(head), fold(tail)
    tokens = fold(name)
    count = len(_ascii_words(head.lower()))  # a plain head is split without a regex
    return tokens[:count], tokens[count:]


@lru_cache(maxsize=1 << 18)
def fold_word(word: str, scheme: str | None = None) -> tuple[str, ...]:
    """Fold one cleaned word; usually one token, more when romanisation splits it."""
    if word.isascii():
        return (word,)
    latin = to_latin(_LOOSE_MARKS_RE.sub("", word), scheme)
    return tuple(split_words(latin.lower()))


def key(tokens: tuple[str, ...] | list[str]) -> str:
    """The order-free key of a folded name: its tokens sorted and space-joined."""
    return " ".join(sorted(tokens))
