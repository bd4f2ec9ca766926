"""What the Welsh analyser knows of the language: real words, plurals and place names.

* ``folded.txt.gz``, ``marked.txt.gz``, ``distinct.txt.gz`` and ``plurals.txt.gz`` come from
  Hunspell's Welsh dictionary (``build.py`` says how; LGPL-3.0, see ``LICENCE.md``): every
  unmutated word form, and the regular plurals.
* ``irregular_plurals.txt``: plurals the dictionary lists without saying whose they are.
* ``places.txt``: Welsh place names, with their English names.

The word list (232,000 forms) is kept as one sorted string searched by bisection: about 4 MB in
memory instead of 30 MB for a set of strings, in every process that indexes or searches.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import re
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

HERE = Path(__file__).parent
TOKEN = re.compile(r"[^\W_]+")
"""A word: letters and digits (hyphens, apostrophes and spaces separate words)."""

_TRANSLITERATE = str.maketrans({"ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "đ": "d", "ı": "i"})


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(word: str) -> str:
    """Casefold ``word`` and strip its diacritics ("Dŵr" → "dwr", "TŶ" → "ty"). Idempotent."""
    current = word
    for _ in range(4):  # casefolding can expose new decompositions (and vice versa); settle quickly
        folded = strip_marks(current).casefold().translate(_TRANSLITERATE)
        if folded == current:
            break
        current = folded
    return current


fold_word = functools.lru_cache(maxsize=262_144)(fold)
"""``fold`` for single words, remembered: the analyser folds every word of every text it reads."""


def lower(word: str) -> str:
    """Lower case, diacritics kept, composed (NFKC: ligatures and fractions are spelt out)."""
    return unicodedata.normalize("NFKC", word.casefold())


def words(text: str) -> list[str]:
    """The words of ``text`` in lower case, diacritics kept ("Ym Mhen-y-bont" → ym, mhen, y, bont)."""
    return TOKEN.findall(lower(text))


class _Lines(Sequence[str]):
    """The lines of one string, indexable without splitting it into a list of strings."""

    def __init__(self, text: str):
        self._text = text
        self._starts = array("I", [0, *(m.end() for m in re.finditer("\n", text))])

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._text[self._starts[index] : self._starts[index + 1] - 1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.splitlines())


class SortedWords:
    """Membership in a sorted word list by bisection."""

    def __init__(self, sorted_words: str):
        """``sorted_words``: one word a line, sorted, ending with a newline."""
        self._lines = _Lines(sorted_words)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        at = bisect.bisect_left(self._lines, word)
        return at < len(self._lines) and self._lines[at] == word

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)


def _data(name: str) -> list[str]:
    """Lines of a data file, without comments and blank lines."""
    path = HERE / name
    text = gzip.decompress(path.read_bytes()).decode() if name.endswith(".gz") else path.read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class Lexicon:
    """The words, plurals and places the analyser checks its guesses against."""

    def __init__(
        self, folded: str, marked: list[str], distinct: list[str], plurals: list[tuple[str, str]],
        places: list[tuple[str, str]],
    ):  # fmt: skip
        # A word is checked as written if it has diacritics, folded if it has none (typed without
        # them: "dwr" for "dŵr"). ``folded`` is one sorted word a line.
        self.folded = SortedWords(folded)
        self.with_marks = frozenset(marked)
        self.distinct_by_marks = frozenset(distinct)
        """Folded spellings shared by different words (tan/tân): there, diacritics count."""
        self.singulars: dict[str, tuple[str, ...]] = {}
        """Folded plural -> its singulars (as written)."""
        for plural, singular in plurals:
            key = fold(plural)
            self.singulars[key] = tuple(dict.fromkeys((*self.singulars.get(key, ()), lower(singular))))
        self.plurals: dict[str, tuple[str, ...]] = {}
        """Folded singular -> its plurals (folded), for highlighting."""
        for key, singulars in self.singulars.items():
            for singular in singulars:
                self.plurals[fold(singular)] = (*self.plurals.get(fold(singular), ()), key)
        self.places: dict[str, tuple[str, ...]] = {}
        """Each word of a place name (folded) -> the words of its name in the other language."""
        for welsh, english in places:
            welsh_words, english_words = _place_words(welsh), _place_words(english or welsh)
            for word in welsh_words:
                self.places[word] = tuple(dict.fromkeys((*self.places.get(word, ()), *english_words)))
            for word in english_words:
                self.places[word] = tuple(dict.fromkeys((*self.places.get(word, ()), *welsh_words)))

    def is_word(self, word: str) -> bool:
        """A real Welsh word form: as written if it has diacritics, else folded."""
        key = fold_word(word)
        return word in self.with_marks if key != word else key in self.folded

    def is_known(self, word: str) -> bool:
        """A real Welsh word or a word of a place name (which may itself be mutated: Sir Fynwy)."""
        return fold_word(word) in self.places or self.is_word(word)


# Words of place names too general to stand for the place ("Sir y Fflint", "Port Talbot").
_GENERAL = frozenset({"sir", "port", "porth", "fawr", "bont", "doc", "coed", "vale", "bay", "bridge", "haven",
                      "wells", "quay", "major", "mountain", "with", "upon"})  # fmt: skip


def _place_words(name: str) -> tuple[str, ...]:
    return tuple(word for word in (fold(w) for w in words(name)) if len(word) >= 4 and word not in _GENERAL)


@functools.cache
def lexicon() -> Lexicon:
    plurals = [(p, s) for p, s in (line.split() for line in _data("plurals.txt.gz"))]
    plurals += [(p, s) for s, p in (line.split() for line in _data("irregular_plurals.txt"))]
    places = [(welsh.strip(), english.strip()) for welsh, _, english in
              (line.partition("|") for line in _data("places.txt"))]  # fmt: skip
    folded = gzip.decompress((HERE / "folded.txt.gz").read_bytes()).decode()
    return Lexicon(folded, _data("marked.txt.gz"), _data("distinct.txt.gz"), plurals, places)
