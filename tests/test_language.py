"""Which language a one-field text is in, told on real Welsh and English sentences as CDPS's people
write them (reasons, updates, support requests)."""

from __future__ import annotations

import pytest

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
