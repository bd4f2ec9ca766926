"""Generated Welsh applies the mutations its grammar needs: known forms of the phases, health and
place names, and properties that hold for any word (checked against the search analyser, which
undoes what this applies)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.search.welsh import MIN_EXPAND_LENGTH, candidate_radicals
from shared import vocabulary
from shared.welsh import TRIGGERS, Mutation, Name, after, fill, mutate, predicative

# (phrase, after "o", after "i", after "yn" "in", after "a" "and")
KNOWN = [
    ("Darganfod", "o Ddarganfod", "i Ddarganfod", "yn Narganfod", "a Darganfod"),
    ("Alffa", "o Alffa", "i Alffa", "yn Alffa", "ac Alffa"),
    ("Beta preifat", "o Feta preifat", "i Feta preifat", "ym Meta preifat", "a Beta preifat"),
    ("Beta cyhoeddus", "o Feta cyhoeddus", "i Feta cyhoeddus", "ym Meta cyhoeddus", "a Beta cyhoeddus"),
    ("Byw", "o Fyw", "i Fyw", "ym Myw", "a Byw"),
    ("Wedi ymddeol", "o Wedi ymddeol", "i Wedi ymddeol", "yn Wedi ymddeol", "a Wedi ymddeol"),
    ("Gwyrdd", "o Wyrdd", "i Wyrdd", "yng Ngwyrdd", "a Gwyrdd"),
    ("Ambr", "o Ambr", "i Ambr", "yn Ambr", "ac Ambr"),
    ("Coch", "o Goch", "i Goch", "yng Nghoch", "a Choch"),
    ("Caerdydd", "o Gaerdydd", "i Gaerdydd", "yng Nghaerdydd", "a Chaerdydd"),
    ("Powys", "o Bowys", "i Bowys", "ym Mhowys", "a Phowys"),
    ("Tonypandy", "o Donypandy", "i Donypandy", "yn Nhonypandy", "a Thonypandy"),
    ("Bangor", "o Fangor", "i Fangor", "ym Mangor", "a Bangor"),
    ("Dinbych", "o Ddinbych", "i Ddinbych", "yn Ninbych", "a Dinbych"),
    ("Gwynedd", "o Wynedd", "i Wynedd", "yng Ngwynedd", "a Gwynedd"),
    ("Machynlleth", "o Fachynlleth", "i Fachynlleth", "ym Machynlleth", "a Machynlleth"),
    ("Llanelli", "o Lanelli", "i Lanelli", "yn Llanelli", "a Llanelli"),
    ("Rhondda Cynon Taf", "o Rondda Cynon Taf", "i Rondda Cynon Taf", "yn Rhondda Cynon Taf", "a Rhondda Cynon Taf"),
    ("Abertawe", "o Abertawe", "i Abertawe", "yn Abertawe", "ac Abertawe"),
    ("Wrecsam", "o Wrecsam", "i Wrecsam", "yn Wrecsam", "a Wrecsam"),
    ("Ffestiniog", "o Ffestiniog", "i Ffestiniog", "yn Ffestiniog", "a Ffestiniog"),
    ("GIG Cymru", "o GIG Cymru", "i GIG Cymru", "yn GIG Cymru", "a GIG Cymru"),
]


@pytest.mark.parametrize(("phrase", "o", "i", "yn", "a"), KNOWN)
def test_known_forms_after_o_i_yn_and_a(phrase: str, o: str, i: str, yn: str, a: str) -> None:
    assert [after("o", phrase), after("i", phrase), after("yn", phrase), after("a", phrase)] == [o, i, yn, a]


@pytest.mark.parametrize(
    ("word", "phrase", "expected"),
    [("ar", "Porth", "ar Borth"), ("dan", "Treth", "dan Dreth"), ("am", "Cymorth", "am Gymorth"),
     ("heb", "Gwasanaeth", "heb Wasanaeth"), ("trwy", "Caerdydd", "trwy Gaerdydd"), ("wrth", "Bwrdd", "wrth Fwrdd"),
     ("hyd", "Medi", "hyd Fedi"), ("â", "Caerdydd", "â Chaerdydd"), ("â", "Abertawe", "ag Abertawe"),
     ("gyda", "Partner", "gyda Phartner"), ("gyda", "Ysgol", "gydag Ysgol"), ("tua", "Tonypandy", "tua Thonypandy"),
     ("tua", "Abertawe", "tuag Abertawe"), ("ei", "cyfrifiadur", "ei chyfrifiadur"), ("ei", "enw", "ei henw"),
     ("ei", "Ysgol", "ei Hysgol"), ("O", "Darganfod", "O Ddarganfod"), ("A", "Abertawe", "Ac Abertawe"),
     ("Yn", "Caerdydd", "Yng Nghaerdydd"), ("gan", "Llywodraeth", "gan Lywodraeth"), ("dros", "Rhaglen", "dros Raglen"),
     ("y", "Darganfod", "y Darganfod"), ("i", "", "i")],
)  # fmt: skip
def test_every_trigger_gives_its_mutation(word: str, phrase: str, expected: str) -> None:
    assert after(word, phrase) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("gwyrdd", "yn wyrdd"), ("ambr", "yn ambr"), ("coch", "yn goch"), ("byw", "yn fyw"),
     ("llwyddiant", "yn llwyddiant"), ("rhad", "yn rhad"), ("da", "yn dda")],
)  # fmt: skip
def test_the_predicative_yn_softens_all_but_ll_and_rh(phrase: str, expected: str) -> None:
    assert predicative(phrase) == expected


def test_every_phase_and_health_reads_after_o_and_i_as_the_table_says() -> None:
    names = {name for table in (vocabulary.PHASES, vocabulary.HEALTH) for name in table.values()}
    welsh = {vocabulary.translations("cy").gettext(name) for name in names}
    assert welsh <= {row[0] for row in KNOWN}


def test_a_template_mutates_the_names_in_it_and_nothing_else() -> None:
    template = "O %(old)s i %(new)s, o %(date)s ymlaen (%(n)d%%); anfonwyd i %(email)s"
    values = {"old": Name("Darganfod (Ar saib)"), "new": Name("Byw"), "date": "3 Mawrth 2026", "n": 5,
              "email": "mair@example.com"}  # fmt: skip
    assert fill(template, values) == (
        "O Ddarganfod (Ar saib) i Fyw, o 3 Mawrth 2026 ymlaen (5%); anfonwyd i mair@example.com"
    )
    assert fill("Mae'n %(x)s yn %(x)s", {"x": Name("Coch")}) == "Mae'n Coch yn Coch"  # yn is ambiguous: left


_INITIALS = ["p", "t", "c", "b", "d", "g", "m", "ll", "rh", "f", "ff", "s", "n", "h", "a", "e", "w", "y"]
_REST = st.text(alphabet="aeiouwy", min_size=2, max_size=6)
_welsh_word = st.builds(lambda first, rest: first + rest, st.sampled_from(_INITIALS), _REST)


@given(st.sampled_from(_INITIALS), _REST, st.sampled_from(["soft", "nasal", "aspirate"]))
def test_a_mutation_changes_the_initial_only(initial: str, rest: str, mutation: Mutation) -> None:
    mutated = mutate(initial + rest, mutation)
    assert mutated.endswith(rest) and len(mutated) - len(rest) <= 3


@given(_welsh_word, st.sampled_from(["soft", "nasal", "aspirate"]))
def test_the_search_analyser_undoes_every_mutation_applied(word: str, mutation: Mutation) -> None:
    mutated = mutate(word, mutation)
    assume(len(mutated) >= MIN_EXPAND_LENGTH)  # the analyser leaves the shortest words (particles) alone
    assert mutated == word or word in candidate_radicals(mutated)


@given(_welsh_word, st.sampled_from(sorted(TRIGGERS)))
def test_a_capital_stays_a_capital(word: str, trigger: str) -> None:
    lower, capital = after(trigger, word), after(trigger, word.capitalize())
    assert capital.lower() == lower
    assert capital.split(" ", 1)[1][:1].isupper()


@given(st.text(alphabet="PTCBDGM", min_size=2, max_size=5), st.sampled_from(["soft", "nasal", "aspirate"]))
def test_acronyms_never_mutate(acronym: str, mutation: Mutation) -> None:
    assert mutate(acronym, mutation) == acronym


_EMAILS = Path(__file__).parent.parent / "services/notifier/templates/email"
_NEVER_MUTATE = {"period_start", "period_end", "posted_on", "effective", "held_on", "email", "link"}
"""Placeholders that are dates, numbers or addresses: nothing in them takes a mutation."""


@pytest.mark.parametrize("path", sorted(_EMAILS.glob("*/cy.*")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_welsh_email_puts_a_name_straight_after_a_word_that_would_mutate_it(path: Path) -> None:
    # A template cannot mutate what it is given ("am {{ title }}" would need "am Gyngor..."): it is
    # written so none is needed ("am y prosiect {{ title }}", "ynghylch {{ target }}").
    triggers = "|".join(re.escape(word) for word in TRIGGERS)
    found = re.findall(rf"(?<![\w'])(?:{triggers}) \{{\{{ ?(\w+)", path.read_text(encoding="utf-8"), re.IGNORECASE)
    assert set(found) <= _NEVER_MUTATE, found
