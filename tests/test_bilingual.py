"""Text people write has an English and a Welsh value, and each reader gets their own language, or
the other one marked as the only one there is (shared/bilingual.py)."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import bilingual
from shared.bilingual import Bilingual, Lang, LongIn, ShortIn, ShortText
from shared.validation import label, problems

texts = st.text(alphabet=st.sampled_from("ab yw  \n"), max_size=12)
values = st.builds(Bilingual, en=texts, cy=texts)
readers: st.SearchStrategy[Lang] = st.sampled_from(["cy", "en"])


@settings(max_examples=200, deadline=None)
@given(values, readers)
def test_a_reader_gets_their_language_where_it_exists_else_the_other_marked_as_the_only_one(
    value: Bilingual, reader: Lang
) -> None:
    seen = bilingual.shown(value, reader)
    if value.has(reader):
        assert seen == (value.get(reader).strip(), reader, False)
        assert bilingual.note(value, reader) == ""
    elif value.has(bilingual.other(reader)):
        assert seen == (value.get(bilingual.other(reader)).strip(), bilingual.other(reader), True)
        assert bilingual.note(value, reader) == {"cy": "Yn Saesneg yn unig", "en": "Written in Welsh only"}[reader]
    else:
        assert seen.text == "" and not seen.only
    assert [lang for lang, _ in bilingual.welsh_first(value)] == list(value.languages)
    assert value.languages in ((), ("cy",), ("en",), ("cy", "en"))  # Welsh first, always
    assert value.missing == (bilingual.other(value.languages[0]) if len(value.languages) == 1 else None)


@settings(max_examples=100, deadline=None)
@given(values)
def test_reading_a_value_again_changes_nothing(value: Bilingual) -> None:
    assert bilingual.read(value) == value
    assert bilingual.read(bilingual.upcast(value)) == value
    assert bilingual.upcast(bilingual.upcast(value)) == bilingual.upcast(value)
    assert msgspec.convert(msgspec.to_builtins(value), Bilingual) == value


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The supplier is two weeks late with the hosting contract.", "en"),
        ("Mae'r cyflenwr bythefnos yn hwyr gyda'r contract cynnal.", "cy"),
        ("Waiting on a supplier", "en"),
        ("Aros am gyflenwr", "cy"),
    ],
)
def test_one_string_whose_language_is_not_said_goes_where_its_text_says(text: str, lang: Lang) -> None:
    value = bilingual.read(text)
    assert value.get(lang) == text and not value.has(bilingual.other(lang))
    assert bilingual.upcast(text) == {"en": text if lang == "en" else "", "cy": text if lang == "cy" else ""}
    assert bilingual.given(text) == value
    assert bilingual.given(text, bilingual.other(lang)).get(bilingual.other(lang)) == text  # said: believed


def test_a_request_states_the_languages_or_sends_one_string() -> None:
    assert bilingual.given(msgspec.convert({"cy": " Rheswm ", "en": "Reason"}, ShortIn)) == Bilingual(
        en="Reason", cy="Rheswm"
    )
    assert msgspec.convert("Reason", ShortText) == "Reason"
    assert bilingual.read(None) == bilingual.EMPTY and bilingual.written("  ") == bilingual.EMPTY
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"de": "Grund"}, ShortIn)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"en": "x" * 10001}, LongIn)


def test_a_bad_language_of_a_text_is_named_with_its_field_and_language() -> None:
    assert (label("reason.cy").en, label("reason.cy").cy) == ("the reason in Welsh", "y rheswm yn Gymraeg")
    assert label("ratings[2].reason.en").en == "the reason in English"

    class Body(msgspec.Struct, forbid_unknown_fields=True):
        reason: ShortText

    [error] = problems(Body, {"reason": {"en": "ok", "cy": "x" * 2001}})
    assert error.field == "reason.cy"
    assert error.message_en == "The reason in Welsh must be 2,000 characters or fewer"
    assert error.message_cy == "Rhaid i'r rheswm yn Gymraeg fod yn 2,000 nod neu lai"


def test_the_sql_shape_is_two_columns() -> None:
    assert bilingual.columns("health_reason") == ("health_reason_en", "health_reason_cy")
    row = {"health_reason_en": "Late", "health_reason_cy": None}
    assert bilingual.from_row(row, "health_reason") == Bilingual(en="Late")
    assert Bilingual(en="Late").with_text("cy", "Hwyr") == Bilingual(en="Late", cy="Hwyr")
