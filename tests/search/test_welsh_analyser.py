"""The Welsh analyser: mutations, plurals, diacritics and place names, checked against the dictionary.

Pure Python; no servers. ``matches`` mirrors what PostgreSQL does with the terms: a document matches
a query when it has a term of every query word's group (see ``welsh.Analyser.query``). A Welsh
document's terms are ``index_terms`` of its Welsh text; an English text contributes only the
derived terms of its Welsh place names (``place_terms``) besides PostgreSQL's English stems, which
these tests leave to the API tests.
"""

from __future__ import annotations

import re
from typing import Literal

import pytest
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from services.search.lexicon import fold, lexicon
from services.search.welsh import DERIVED, analyser, candidate_radicals, quote, tokenise, tsvector

MutationKind = Literal["soft", "nasal", "aspirate", "h"]
KINDS: tuple[MutationKind, ...] = ("soft", "nasal", "aspirate", "h")

# Mutation tables, radical initial → mutated initial. Digraphs first: "ll" and "rh" are letters of their own.
SOFT = {"ll": "l", "rh": "r", "p": "b", "t": "d", "c": "g", "b": "f", "d": "dd", "g": "", "m": "f"}
NASAL = {"p": "mh", "t": "nh", "c": "ngh", "b": "m", "d": "n", "g": "ng"}
ASPIRATE = {"p": "ph", "t": "th", "c": "ch"}
VOWELS = "aeiouwy"
UNMUTABLE_DIGRAPHS = ("ch", "dd", "ph", "th", "ng")


def mutate(word: str, kind: MutationKind) -> str:
    """Apply one initial mutation to ``word`` (lower case), or return it unchanged if it does not apply."""
    if kind == "h":
        return "h" + word if word[:1] in VOWELS else word
    if word.startswith(UNMUTABLE_DIGRAPHS):
        return word
    table = {"soft": SOFT, "nasal": NASAL, "aspirate": ASPIRATE}[kind]
    for initial, mutated in table.items():
        if word.startswith(initial):
            return mutated + word[len(initial) :]
    return word


def welsh_document(text: str) -> set[str]:
    return set(analyser().index_terms(text))


def english_document(text: str) -> set[str]:
    """The analyser's part of an English field: derived terms of its place names only."""
    return set(analyser().place_terms(text))


def matches(query: str, terms: set[str]) -> bool:
    groups = analyser().query_groups(query)
    return bool(groups) and all(terms.intersection(group) for group in groups)


def exactly(query: str, terms: set[str]) -> bool:
    groups = analyser().query_groups(query)
    return bool(groups) and all(group[0] in terms for group in groups)


# --- known forms --------------------------------------------------------------------------------------

MUTATED = [
    # (a radical, a text with a mutated form of it)
    ("Caerdydd", "yng Nghaerdydd"), ("Caerdydd", "i Gaerdydd"), ("Caerdydd", "a Chaerdydd"),
    ("pen", "ei phen"), ("tad", "fy nhad"), ("tad", "ei thad"), ("Dinbych", "Sir Ddinbych"), ("Mynwy", "Sir Fynwy"),
    ("Bangor", "ym Mangor"), ("Bangor", "o Fangor"), ("Llanelli", "i Lanelli"), ("enw", "ei henw"),
    ("ysgol", "ein hysgol"), ("gardd", "yr ardd"), ("gwlad", "ei wlad"), ("Cymraeg", "Gymraeg"),
    ("mam", "ei fam"), ("glas", "yn las"), ("plant", "i blant"), ("Powys", "ym Mhowys"), ("Powys", "o Bowys"),
    ("tân", "ei dân"), ("dŵr", "ei ddŵr"), ("gwasanaethau", "fy ngwasanaethau"),
    ("Gwasanaethau Cyhoeddus Digidol", "o Wasanaethau Cyhoeddus Digidol"),
]  # fmt: skip

PLURALS = [
    # (singular, plural): regular plurals from the dictionary's flags, irregular ones from our list
    ("ysgol", "ysgolion"), ("gwasanaeth", "gwasanaethau"), ("prosiect", "prosiectau"), ("llyfrgell", "llyfrgelloedd"),
    ("ardal", "ardaloedd"), ("cymuned", "cymunedau"), ("plentyn", "plant"), ("tŷ", "tai"), ("ysbyty", "ysbytai"),
    ("gair", "geiriau"), ("afon", "afonydd"), ("gwlad", "gwledydd"), ("tref", "trefi"), ("ffurflen", "ffurflenni"),
    ("gofalwr", "gofalwyr"), ("defnyddiwr", "defnyddwyr"), ("ffermwr", "ffermwyr"), ("tenant", "tenantiaid"),
    ("cais", "ceisiadau"), ("bathodyn", "bathodynnau"), ("trwydded", "trwyddedau"), ("busnes", "busnesau"),
    ("goleudy", "goleudai"), ("gweithdy", "gweithdai"),
]  # fmt: skip

NOT_THE_SAME = [
    # (query, text it must not find): the circumflex or the dictionary keeps these apart
    ("dŵr", "tŵr y cloc"), ("dwr", "tŵr y cloc"), ("dim", "y tîm digidol"), ("dan", "diogelwch tân"),
    ("tan", "diogelwch tân"), ("tân", "aros tan yfory"), ("Caerdydd", "Abertawe"), ("pen", "ei thad"),
    ("Gwasanaethau Cyhoeddus Digidol", "Gwasanaethau Cyhoeddus"),  # every word must match
]  # fmt: skip


@pytest.mark.parametrize(("radical", "text"), MUTATED)
def test_a_radical_finds_its_mutated_forms_and_a_mutated_form_its_radical(radical: str, text: str) -> None:
    assert matches(radical, welsh_document(text))
    mutated = " ".join(text.split()[-len(radical.split()) :])  # without the word that caused the mutation
    assert matches(mutated, welsh_document(radical))


@pytest.mark.parametrize(("singular", "plural"), PLURALS)
def test_a_singular_finds_its_plural_and_a_plural_its_singular(singular: str, plural: str) -> None:
    assert matches(singular, welsh_document(plural))
    assert matches(plural, welsh_document(singular))


@pytest.mark.parametrize(("query", "text"), NOT_THE_SAME)
def test_words_that_only_look_alike_do_not_match(query: str, text: str) -> None:
    assert not matches(query, welsh_document(text))


def test_a_mutated_welsh_word_never_finds_the_english_word_it_looks_like() -> None:
    assert matches("blant", welsh_document("Gofal i blant"))
    assert not matches("blant", english_document("A new water treatment plant"))
    assert english_document("A new water treatment plant") == set()


def test_welsh_place_names_in_english_text_are_analysed_as_welsh() -> None:
    english = english_document("A discovery in Powys with Cardiff and Swansea councils")
    for query in ("Powys", "Bowys", "ym Mhowys", "Caerdydd", "yng Nghaerdydd", "Abertawe"):
        assert matches(query, english), query
    assert matches("Cardiff", welsh_document("yng Nghaerdydd"))  # a place's two names find each other


def test_a_word_as_typed_is_an_exact_match_and_its_other_forms_are_not() -> None:
    assert exactly("Caerdydd", welsh_document("ysgolion Caerdydd"))
    assert not exactly("Caerdydd", welsh_document("yng Nghaerdydd"))
    assert not exactly("ysgol", welsh_document("ysgolion"))
    assert exactly("Dwr", welsh_document("Ansawdd dŵr"))  # diacritics apart, as typed


def test_diacritics_fold_away_unless_they_separate_words() -> None:
    words = analyser()
    assert [words.surface(w) for w in ("dŵr", "tŷ", "llŷr", "tîm")] == ["dwr", "ty", "llyr", "tim"]
    assert words.surface("tân") == "tân" and words.surface("tan") == "tan"
    assert fold("âêîôûŵŷ äëïöü áàéèíìóòúù ÂŴŶ") == "aeiouwy aeiou aaeeiioouu awy"
    assert fold("Straße Søren Łódź") == "strasse soren lodz"


def test_only_radicals_that_are_real_words_are_kept() -> None:
    words = analyser()
    assert words.radicals("fangor") == ["bangor"]  # not "mangor"
    assert words.radicals("nghaerdydd") == ["caerdydd"]
    assert words.radicals("ddinbych") == ["dinbych"]
    assert words.radicals("dŵr") == [] and words.radicals("dim") == [] and words.radicals("dan") == []  # real words
    assert words.radicals("nhorfaen") == ["torfaen"]
    assert words.radicals("mhrosiect") == ["prosiect"]
    assert candidate_radicals("fangor") == ["bangor", "mangor"]  # what the initial alone allows


def test_function_words_are_left_out_of_a_query_unless_it_is_nothing_else() -> None:
    words = analyser()
    assert [group[0] for group in words.query_groups("yng Nghaerdydd")] == ["nghaerdydd"]
    assert [group[0] for group in words.query_groups("yr")] == ["yr"]
    assert words.query("") == ("", "")
    assert words.query("  '!&|():*<->  ") == ("", "")


def test_literals_quote_every_term() -> None:
    assert quote("cy:tân") == "'cy:tân'"
    assert quote("it's") == "'it''s'"
    assert tsvector(["a", "cy:b", "a"]) == "'a' 'cy:b'"
    assert analyser().query("blant") == ("('blant' | 'cy:blant' | 'cy:plant' | 'cy:plentyn')", "'blant'")


def test_a_fields_welsh_vector_is_its_welsh_texts_terms_then_its_english_texts_place_names_each_once() -> None:
    welsh, english = "Ysgolion yng Nghaerdydd a Chaerdydd, plant ysgol", "Schools in Cardiff and Powys, Cardiff"
    vector = analyser().index_vector(welsh, english)
    assert vector == tsvector([*analyser().index_terms(welsh), *analyser().place_terms(english)])
    assert vector.startswith("'ysgolion' 'cy:ysgolion' 'cy:ysgol' 'yng' 'cy:yng' 'nghaerdydd' ")
    assert "'cy:powys'" in vector
    assert analyser().index_vector("", "") == ""


# --- properties ---------------------------------------------------------------------------------------

REAL_WORDS = [word for word in lexicon().folded if len(word) >= 4 and word.isalpha() and word.isascii()]
words_of_the_dictionary = st.sampled_from(REAL_WORDS)
PAIRS = [(plural, singular) for plural, singulars in lexicon().singulars.items() for singular in singulars]
FAST = hypothesis_settings(max_examples=300, deadline=None)


@FAST
@given(words_of_the_dictionary, st.sampled_from(KINDS))
def test_a_mutated_dictionary_word_and_its_radical_find_each_other(word: str, kind: MutationKind) -> None:
    mutated = mutate(word, kind)
    # A mutated form that is a word of its own is read as that word (dŵr is water, not a mutated tŵr).
    assume(mutated != word and len(mutated) >= 3 and not lexicon().is_word(mutated))
    assert matches(mutated, welsh_document(word))
    assert matches(word, welsh_document(mutated))


@FAST
@given(st.text(alphabet="abcdefghilmnoprstuwyŵŷâêîôû -", max_size=30))
def test_every_radical_the_analyser_keeps_is_a_real_word_or_follows_a_nasal(text: str) -> None:
    words = analyser()
    for word in tokenise(text):
        for radical in words.radicals(word):
            assert lexicon().is_word(radical) or word.startswith(("ngh", "mh", "nh")), (word, radical)


@FAST
@given(words_of_the_dictionary)
def test_a_real_word_is_never_read_as_a_mutation_of_another(word: str) -> None:
    assert analyser().radicals(word) == []


@FAST
@given(st.sampled_from(PAIRS))
def test_every_plural_of_the_lexicon_and_its_singular_find_each_other(pair: tuple[str, str]) -> None:
    plural, singular = pair
    assert matches(plural, welsh_document(singular))
    assert matches(singular, welsh_document(plural))


@FAST
@given(st.text(max_size=60), st.text(max_size=60))
def test_a_fields_welsh_vector_is_the_tsvector_of_its_terms(welsh: str, english: str) -> None:
    words = analyser()
    assert words.index_vector(welsh, english) == tsvector([*words.index_terms(welsh), *words.place_terms(english)])


@given(st.text(max_size=60))
def test_english_text_gives_only_derived_terms_and_only_for_places(text: str) -> None:
    for term in english_document(text):
        assert term.startswith(DERIVED)


@FAST
@given(st.text(max_size=60))
def test_terms_are_words_without_spaces_or_quotes(text: str) -> None:
    for term in analyser().index_terms(text):
        assert re.fullmatch(r"(cy:)?[^\W_]+", term), term


@FAST
@given(st.text())
def test_fold_is_idempotent_and_ignores_case(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert fold(text.upper()) == fold(text.lower()) or not text.isascii()
