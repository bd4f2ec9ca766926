"""Which language a one-field text is in, told on real Welsh and English sentences as CDPS's people
write them (reasons, updates, support requests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.language import detect

WELSH = [
    "Mae'r cyflenwr bythefnos yn hwyr.",
    "Aros am gyflenwr",
    "Rydym wedi profi'r ffurflen gyda thrigolion yng Nghaerdydd.",
    "Symud ymlaen ar ôl asesiad llwyddiannus.",
    "Angen help gyda darganfod ar gyfer gwasanaeth newydd i ofalwyr",
    "Mae angen cymorth arnom i ailgynllunio ein gwefan",
    "Wedi cwrdd â'r tîm",
    "Cyllid wedi'i gadarnhau am flwyddyn arall.",
    "Aros am fynediad i'r rhwydwaith",
    "Hoffem gael cyngor ar sut i brofi ein gwasanaeth gyda siaradwyr Cymraeg.",
]
ENGLISH = [
    "The supplier is two weeks late.",
    "Waiting on a supplier",
    "We tested the form with residents in Cardiff.",
    "Moving on after a successful assessment.",
    "Need help with discovery for a new carers service",
    "Met the team",
    "Funding confirmed for another year.",
    "Waiting on network access",
    "Supplier late",
    "We would like advice on testing our service with Welsh speakers.",
]


@pytest.mark.parametrize("text", WELSH)
def test_welsh_is_told_as_welsh(text: str) -> None:
    assert detect(text) == "cy"


@pytest.mark.parametrize("text", ENGLISH)
def test_english_is_told_as_english(text: str) -> None:
    assert detect(text, default="cy") == "en"


def test_a_blank_text_is_in_the_default_language() -> None:
    assert detect("  \n", default="cy") == "cy" and detect("") == "en"


def test_a_lone_surrogate_is_told_by_the_rest_of_the_text() -> None:
    # A str may hold a lone surrogate (JSON's "\\ud800" decodes to one); fastText refused it.
    assert detect("Mae'r cyflenwr\ud800 bythefnos yn hwyr.") == "cy"
    assert detect("\udfff", default="cy") == "cy"


ANY_CHARACTER = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),  # surrogates
)


@given(st.text(alphabet=ANY_CHARACTER))
def test_every_text_is_told_welsh_or_english(text: str) -> None:
    # Any text at all, surrogates, control characters and NUL included: one of the two, never an error.
    assert detect(text) in ("cy", "en")
    assert detect(text, default="cy") in ("cy", "en")
