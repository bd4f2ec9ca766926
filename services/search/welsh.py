"""The Welsh analyser: which index terms a Welsh text gives, and which a query looks for.

PostgreSQL ships no Welsh text-search configuration (nor does any mainstream search engine ship a
Welsh analyser), so Welsh text is analysed here, with a real Welsh dictionary (``lexicon``), and
written into the document's tsvector as lexemes of two kinds:

* **surface** terms, the words as written (folded: lower case, diacritics dropped, so "Dŵr" and
  "dwr" meet), in the same space as PostgreSQL's English stems: a word typed as written matches
  it in either language, which is what a name or an acronym needs;
* **derived** terms, prefixed ``cy:``, only ever made from Welsh text (and from Welsh place names
  in English text): the word itself, the radicals it is a mutation of, and the singulars it is a
  plural of. A query's expansions only look here, so the mutated "blant" (children) finds "plant"
  in Welsh text and never the English "water treatment plant".

Initial consonant mutations
    The first consonant of a Welsh word changes with its grammatical context:

    ============  ====================================================
    soft          p→b, t→d, c→g, b→f, d→dd, g→(dropped), m→f, ll→l, rh→r
    nasal         p→mh, t→nh, c→ngh, b→m, d→n, g→ng
    aspirate      p→ph, t→th, c→ch
    h-prothesis   a vowel-initial word gains h- (ei henw, ein hysgol)
    ============  ====================================================

    so "Caerdydd" appears as "i Gaerdydd", "yng Nghaerdydd" and "a Chaerdydd". Un-mutating is
    ambiguous (an initial f may be a soft-mutated b or m, or a radical f), so a word is expanded to
    every radical it could come from (``candidate_radicals``) **that is a real Welsh word**, and only
    if the word is not a real word itself: "Fangor" → Bangor (not "Mangor"), "dŵr" (water) stays
    dŵr and never becomes "tŵr" (tower), "dim" (nothing) never "tîm" (team). A word that is neither
    a dictionary word nor has one among its radicals is a name or a loan: kept as written, except
    after the nasal initials ngh-, mh-, nh- before a vowel, which no Welsh word starts with.

Plurals
    Welsh plurals are irregular (-au, -iau, -on, -ion, -ydd, -oedd, vowel changes: plentyn/plant,
    tŷ/tai, gair/geiriau). A plural also gives its singulars as derived terms, from the dictionary's
    regular plurals and a list of irregular ones (``lexicon/irregular_plurals.txt``), and -wyr
    plurals of -wr/-iwr nouns; so "ysgolion" and "ysgol" find each other.

Diacritics
    Dropped, except where they separate two words: "tân" (fire) and "tan" (until) fold alike, so
    there the term keeps the circumflex. ``Lexicon.distinct_by_marks`` lists such spellings.

Place names
    Welsh place names in English text ("a discovery in Powys") also give derived terms, so "ym
    Mhowys" finds them; and a place's English and Welsh names find each other (Cardiff, Caerdydd).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from services.search.lexicon import Lexicon, fold, fold_word, lexicon, words

__all__ = [
    "DERIVED",
    "MIN_EXPAND_LENGTH",
    "STOPWORDS",
    "VERSION",
    "Analyser",
    "analyser",
    "candidate_radicals",
    "fold",
    "mutations",
    "tokenise",
]

VERSION = 2
"""The analysis the index is built with. Change it with the analysis: a search service that finds
its index built by another version rebuilds it from the stream (``reindex.rebuild_if_outdated``)."""
MIN_EXPAND_LENGTH = 3
"""Words shorter than this without diacritics (particles and pronouns: a, i, yr, ei, fy ...) are not expanded."""
DERIVED = "cy:"
"""Prefix of the derived terms: their own space in the tsvector, apart from English stems."""

VOWELS = frozenset("aeiouwy")

# (initial, radical initials it may stand for), longest initial first so digraphs and "ngh" win.
# Initials with an empty tuple never result from a mutation: listing them stops a shorter rule
# matching their first character (e.g. "ll" must not be read as l → ll).
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ngh", ("c",)), ("mh", ("p",)), ("nh", ("t",)), ("ng", ("g",)), ("ch", ("c",)), ("ph", ("p",)),
    ("th", ("t",)), ("dd", ("d",)), ("ll", ()), ("rh", ()), ("ff", ()), ("b", ("p",)), ("d", ("t",)),
    ("g", ("c",)), ("f", ("b", "m")), ("l", ("ll", "gl")), ("r", ("rh", "gr")), ("m", ("b",)), ("n", ("d", "gn")),
)  # fmt: skip
_NASAL = ("ngh", "mh", "nh")

# Radical initial -> the forms it takes under soft, nasal and aspirate mutation.
_MUTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ll", ("l",)), ("rh", ("r",)), ("p", ("b", "mh", "ph")), ("t", ("d", "nh", "th")),
    ("c", ("g", "ngh", "ch")), ("b", ("f", "m")), ("d", ("dd", "n")), ("g", ("", "ng")), ("m", ("f",)),
)  # fmt: skip

# Welsh function words that cause the mutations but carry no meaning of their own in a query:
# "yng Nghaerdydd" should need "Caerdydd", not also the word "yng".
STOPWORDS = frozenset({
    "a", "ac", "am", "ar", "at", "dy", "ei", "eich", "ein", "eu", "fy", "gan", "gyda", "i", "mewn", "o", "r",
    "y", "yn", "yng", "ym", "yr",
})  # fmt: skip


def tokenise(text: str) -> list[str]:
    """The folded words of ``text`` (``[a-z0-9]+`` and other letters without diacritics)."""
    return [fold(word) for word in words(text)]


def _starts_with_vowel(word: str) -> bool:
    return fold_word(word[:1]) in VOWELS


def _short(word: str) -> bool:
    """Too short to expand: the particles and pronouns (a, i, yr, ei, fy ...), which carry no
    diacritics; a short word with one ("dŷ", his house) is a word, and is expanded."""
    return len(word) < MIN_EXPAND_LENGTH and fold_word(word) == word


def candidate_radicals(word: str) -> list[str]:
    """Every radical a lower-case ``word`` could be a mutation of, by its initial alone (no dictionary)."""
    if _short(word):
        return []
    if _starts_with_vowel(word):
        return ["g" + word]
    if word[0] == "h":
        return [word[1:]] if _starts_with_vowel(word[1:]) else []
    for initial, radicals in _RULES:
        if word.startswith(initial):
            return [radical + word[len(initial) :] for radical in radicals]
    return []


def mutations(word: str) -> list[str]:
    """The folded word and every mutated form of it (the reverse of ``candidate_radicals``): for
    highlighting the words of a text that a query matched, since the text shows them mutated."""
    folded = fold(word)
    if len(folded) < MIN_EXPAND_LENGTH:
        return [folded]
    forms = [folded]
    if folded[0] in VOWELS:
        forms.append("h" + folded)
    for initial, mutated in _MUTATIONS:
        if folded.startswith(initial):
            rest = folded[len(initial) :]
            forms.extend(m + rest for m in mutated if m + rest)
            break
    return forms


class Analyser:
    """Terms for index and query, checked against a lexicon (``lexicon()`` for the real one)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        # Pure and called for every word of every document: each distinct word is worked out once.
        self.surface = functools.lru_cache(maxsize=200_000)(self._surface)
        self.derived = functools.lru_cache(maxsize=200_000)(self._derived)
        self._quoted_index = functools.lru_cache(maxsize=200_000)(self._quoted_index_terms)
        self._quoted_places = functools.lru_cache(maxsize=200_000)(self._quoted_place_terms)

    def _surface(self, word: str) -> str:
        """The term of a word as written: folded, unless its diacritics separate it from another word."""
        key = fold_word(word)
        return word if key in self.lexicon.distinct_by_marks and self.lexicon.is_word(word) else key

    def radicals(self, word: str) -> list[str]:
        """The radicals a word is a mutation of, that are real words; none if it is a word itself."""
        if self.lexicon.is_word(word):
            return []
        return [
            radical for radical in candidate_radicals(word)
            if self.lexicon.is_known(radical) or (word.startswith(_NASAL) and _starts_with_vowel(radical[1:]))
        ]  # fmt: skip

    def singulars(self, word: str) -> list[str]:
        key = fold_word(word)
        found = list(self.lexicon.singulars.get(key, ()))
        if key.endswith("wyr") and len(key) > 5:  # gofalwyr/gofalwr, defnyddwyr/defnyddiwr
            found += [s for s in (word[:-3] + "wr", word[:-3] + "iwr") if self.lexicon.is_word(s)]
        if key.endswith(("tai", "dai")) and len(key) > 4:  # compounds of tŷ/tai: goleudy/goleudai, gweithdy/gweithdai
            found += [s for s in (word[:-2] + "y", word[:-2] + "ŷ") if self.lexicon.is_word(s)]
        return found

    def _derived(self, word: str) -> tuple[str, ...]:
        """The derived terms of one word: itself, its radicals, their singulars and place synonyms."""
        if _short(word):
            return (DERIVED + self.surface(word),)
        forms = [word, *self.radicals(word)]
        forms += [singular for form in forms for singular in self.singulars(form)]
        forms += [other for form in forms for other in self.lexicon.places.get(fold_word(form), ())]
        return tuple(dict.fromkeys(DERIVED + self.surface(form) for form in forms))

    def index_terms(self, text: str) -> list[str]:
        """Terms of a Welsh text: each word's surface term and derived terms."""
        return [term for word in words(text) for term in (self.surface(word), *self.derived(word))]

    def place_terms(self, text: str) -> list[str]:
        """Terms of an English text: only its Welsh place names, analysed as Welsh (derived terms)."""
        places = self.lexicon.places
        return [term for word in words(text) if fold_word(word) in places for term in self.derived(word)]

    def _quoted_index_terms(self, word: str) -> tuple[str, ...]:
        return tuple(quote(term) for term in (self.surface(word), *self.derived(word)))

    def _quoted_place_terms(self, word: str) -> tuple[str, ...]:
        return tuple(quote(term) for term in self.derived(word)) if fold_word(word) in self.lexicon.places else ()

    def index_vector(self, welsh: str, english: str) -> str:
        """``tsvector(index_terms(welsh) + place_terms(english))``, a document field's Welsh terms,
        with each word's quoted terms looked up at once: the indexer analyses every text it writes."""
        quoted = [term for word in words(welsh) for term in self._quoted_index(word)]
        quoted += [term for word in words(english) for term in self._quoted_places(word)]
        return " ".join(dict.fromkeys(quoted))

    def query_words(self, text: str) -> list[str]:
        """The words a query needs: Welsh function words are left out, unless the query is nothing else."""
        found = words(text)
        return [word for word in found if fold_word(word) not in STOPWORDS] or found

    def query_groups(self, text: str) -> list[tuple[str, ...]]:
        """One group per query word, its surface term first, then its derived terms (radicals,
        singulars): a document matches if it has a term of every group."""
        return [(self.surface(word), *self.derived(word)) for word in self.query_words(text)]

    def query(self, text: str) -> tuple[str, str]:
        """(every match, exact matches): tsquery literals for the Welsh reading of a query (OR within
        a word's group, AND across words); exact is each word's surface term alone. Empty strings
        for a query with no words."""
        groups = self.query_groups(text)
        every = " & ".join("(" + " | ".join(quote(term) for term in group) + ")" for group in groups)
        return every, " & ".join(quote(group[0]) for group in groups)

    def highlight_terms(self, text: str) -> list[str]:
        """Every surface form in a Welsh text that a query for ``text`` matches: the radicals and
        singulars it looks for, their plurals, and every mutation of each."""
        found: list[str] = []
        for word in self.query_words(text):
            radicals = [term.removeprefix(DERIVED) for term in self.derived(word)]
            radicals += [p for r in radicals for p in self.lexicon.plurals.get(fold(r), ())]
            found += [form for radical in radicals for form in mutations(radical) if form not in found]
        return found


@functools.lru_cache(maxsize=262_144)
def quote(term: str) -> str:
    """A term as a tsquery or tsvector literal (quoted, so ":" and anything else is part of it)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(terms: Iterable[str]) -> str:
    """A tsvector literal of ``terms`` (no positions: Welsh terms are matched, not ranked by distance)."""
    return " ".join(quote(term) for term in dict.fromkeys(terms))


@functools.cache
def analyser() -> Analyser:
    return Analyser(lexicon())
