"""Welsh-aware normalisation for the search index: diacritics, mutations, tsquery safety.

Pure Python; no servers. ``matches`` mirrors what PostgreSQL does with ``to_tsvector('simple',
to_index_text(document)) @@ to_tsquery('simple', to_tsquery_text(query))``: every query group must share
a term with the document's index terms.
"""

from __future__ import annotations

import re
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from services.search.welsh import (
    candidates,
    fold,
    index_terms,
    keys,
    query_terms,
    to_index_text,
    to_tsquery_text,
    tokenise,
)

MutationKind = Literal["soft", "nasal", "aspirate", "h"]
KINDS: tuple[MutationKind, ...] = ("soft", "nasal", "aspirate", "h")

# Mutation tables, radical initial → mutated initial. Digraphs first: "ll" and "rh" are letters of their own.
SOFT = {"ll": "l", "rh": "r", "p": "b", "t": "d", "c": "g", "b": "f", "d": "dd", "g": "", "m": "f"}
NASAL = {"p": "mh", "t": "nh", "c": "ngh", "b": "m", "d": "n", "g": "ng"}
ASPIRATE = {"p": "ph", "t": "th", "c": "ch"}
VOWELS = "aeiouwy"
# Welsh letters that are digraphs starting with a mutable consonant: they never mutate themselves.
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


def matches(query: str, document: str) -> bool:
    """True when every query group (OR of alternatives) shares a term with the document (AND of groups)."""
    terms = set(index_terms(document))
    groups = query_terms(query)
    return bool(groups) and all(terms.intersection(group) for group in groups)


# --- real phrases -------------------------------------------------------------------------------------

CAERDYDD_FORMS = ["yng Nghaerdydd", "i Gaerdydd", "Caerdydd", "a Chaerdydd"]

PAIRS = [
    # (radical, phrase containing a mutated form)
    ("Caerdydd", "yng Nghaerdydd"),
    ("Caerdydd", "i Gaerdydd"),
    ("Caerdydd", "a Chaerdydd"),
    ("pen", "ei phen"),
    ("tad", "fy nhad"),
    ("tad", "ei thad"),
    ("tad", "dy dad"),
    ("Bangor", "ym Mangor"),
    ("Bangor", "o Fangor"),
    ("Llanelli", "i Lanelli"),
    ("enw", "ei henw"),
    ("ysgol", "ein hysgol"),
    ("gardd", "yr ardd"),
    ("gwlad", "ei wlad"),
    ("Cymraeg", "Gymraeg"),
    ("Rhondda", "Rondda"),
    ("mam", "ei fam"),
    ("glas", "yn las"),
    ("Gwasanaethau Cyhoeddus Digidol", "o Wasanaethau Cyhoeddus Digidol"),
    ("Gwasanaethau Cyhoeddus Digidol", "fy ngwasanaethau cyhoeddus ddigidol"),
]


def test_caerdydd_forms_share_the_radical() -> None:
    for phrase in CAERDYDD_FORMS:
        assert "caerdydd" in index_terms(phrase), phrase
    for left in CAERDYDD_FORMS:
        for right in CAERDYDD_FORMS:
            assert matches(left.split()[-1], right), (left, right)


@pytest.mark.parametrize(("radical", "mutated"), PAIRS)
def test_radical_query_matches_mutated_document(radical: str, mutated: str) -> None:
    assert matches(radical, mutated)


@pytest.mark.parametrize(("radical", "mutated"), PAIRS)
def test_mutated_query_matches_radical_document(radical: str, mutated: str) -> None:
    # The query is the mutated word(s) without the particle that triggered the mutation.
    words = mutated.split()
    query = " ".join(words[-len(radical.split()) :])
    assert matches(query, radical)


@pytest.mark.parametrize(
    ("left", "right"),
    [("Dŵr", "dwr"), ("tŷ", "ty"), ("TŶ", "ty"), ("Gŵyl", "gwyl"), ("Siân", "sian"), ("Llŷr", "llyr")],
)
def test_circumflexes_fold_away(left: str, right: str) -> None:
    assert fold(left) == right
    assert matches(left, right)
    assert matches(right, left)


def test_other_diacritics_fold_away() -> None:
    assert fold("âêîôûŵŷ äëïöü áàéèíìóòúù ÂŴŶ") == "aeiouwy aeiou aaeeiioouu awy"
    assert fold("Straße Søren Łódź") == "strasse soren lodz"


def test_unrelated_words_do_not_match() -> None:
    assert not matches("Caerdydd", "Abertawe")
    assert not matches("pen", "ei thad")
    assert not matches("Gwasanaethau Cyhoeddus Digidol", "Gwasanaethau Cyhoeddus")  # AND across groups
    assert not matches("", "Caerdydd")


def test_candidates() -> None:
    assert candidates("Nghaerdydd") == ["nghaerdydd", "caerdydd"]
    assert candidates("Fangor") == ["fangor", "bangor", "mangor"]
    assert candidates("Ddinbych") == ["ddinbych", "dinbych"]
    assert candidates("dinbych") == ["dinbych", "tinbych"]
    assert candidates("henw") == ["henw", "enw"]
    assert candidates("ardd") == ["ardd", "gardd"]
    assert candidates("lanelli") == ["lanelli", "llanelli", "glanelli"]
    assert candidates("Llanelli") == ["llanelli"]  # ll, rh, ff are letters, never mutations
    assert candidates("Rhondda") == ["rhondda"]
    assert candidates("ffordd") == ["ffordd"]
    assert candidates("ngwlad") == ["ngwlad", "gwlad"]
    assert candidates("chwarae") == ["chwarae", "cwarae"]  # additive: the radical itself is kept
    assert keys("Gaerdydd") == {"gaerdydd", "caerdydd"}


def test_short_words_are_not_expanded() -> None:
    for word in ["a", "i", "o", "y", "yr", "ei", "fy", "dy", "ym", "ac", "ty", "Dŷ"]:
        assert candidates(word) == [fold(word)]


def test_tokenise_splits_on_non_letters_and_keeps_digraphs() -> None:
    assert tokenise("i'r ardd, yng Nghaerdydd—2024!") == ["i", "r", "ardd", "yng", "nghaerdydd", "2024"]
    assert tokenise("Llan-faes Rhyl") == ["llan", "faes", "rhyl"]


def test_index_and_query_shapes() -> None:
    assert index_terms("yng Nghaerdydd") == ["yng", "gyng", "nghaerdydd", "caerdydd"]
    assert to_index_text("ei henw") == "ei henw enw"
    assert query_terms("yng Nghaerdydd") == [["nghaerdydd", "caerdydd"]]  # "yng" is a function word
    assert query_terms("yr") == [["yr"]]  # unless the query is nothing else


def test_to_tsquery_text() -> None:
    assert to_tsquery_text("Nghaerdydd ysgol") == "(nghaerdydd | caerdydd) & (ysgol | gysgol)"
    assert to_tsquery_text("Rhondda") == "rhondda"
    assert to_tsquery_text("") == ""
    assert to_tsquery_text("  '!&|():*<->  ") == ""
    assert to_tsquery_text("x' & b:* | !c") == "x & b & c"


# --- properties ---------------------------------------------------------------------------------------

WELSH_LETTERS = "abcdefghijklmnopqrstuvwxyzŵŷâ"
# Word-initial consonants and clusters found in Welsh radicals (including the digraph letters).
ONSETS = [
    "", "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t",
    "ch", "dd", "ff", "ll", "ph", "rh", "th", "si",
    "bl", "br", "cl", "cr", "dr", "gl", "gr", "gn", "gw", "pl", "pr", "tr", "sb", "sg", "st",
    "chw", "gwl", "gwr", "sgr", "ffl", "ffr", "thr",
]  # fmt: skip
NUCLEI = "aeiouwyŵŷâ"

welsh_words = st.builds(
    lambda onset, nucleus, tail: onset + nucleus + tail,
    st.sampled_from(ONSETS),
    st.sampled_from(NUCLEI),
    st.text(alphabet=WELSH_LETTERS, min_size=2, max_size=10),
)
"""Welsh-like words: a Welsh onset, a vowel, then any letters; at least three letters after any mutation."""

FAST = hypothesis_settings(max_examples=300, deadline=None)


@FAST
@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@FAST
@given(welsh_words)
def test_fold_ignores_case(word: str) -> None:
    assert fold(word.upper()) == fold(word)
    assert fold(word.title()) == fold(word)


@FAST
@given(st.text())
def test_tokens_are_ascii_alphanumeric(text: str) -> None:
    for term in index_terms(text):
        assert re.fullmatch(r"[a-z0-9]+", term)


@FAST
@given(welsh_words, st.sampled_from(KINDS))
def test_radical_and_mutation_match_both_ways(word: str, kind: MutationKind) -> None:
    mutated = mutate(fold(word), kind)
    assert matches(word, mutated)
    assert matches(mutated, word)
    assert fold(word) in keys(mutated)


@FAST
@given(welsh_words, st.sampled_from(KINDS), st.sampled_from(KINDS))
def test_two_mutations_of_a_word_match(word: str, first: MutationKind, second: MutationKind) -> None:
    assert matches(mutate(fold(word), first), mutate(fold(word), second))


@FAST
@given(st.text())
def test_tsquery_text_is_safe(text: str) -> None:
    assert re.fullmatch(r"[a-z0-9 &|()]*", to_tsquery_text(text))


@FAST
@given(st.lists(welsh_words, max_size=5).map(" ".join))
def test_tsquery_text_has_one_group_per_token(text: str) -> None:
    query = to_tsquery_text(text)
    assert (query == "") == (not text)
    assert len(query.split(" & ")) == len(tokenise(text)) or not text
