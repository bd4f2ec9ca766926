"""The words of a refusal: every field of every API body has a name in both languages, and the
sentences made from msgspec's findings name the field and never repeat msgspec's own text."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar

from services.notifier.app import create_app as notifier_app
from services.portfolio.app import create_app as portfolio_app
from services.portfolio.domain import NewProject, NewSupportRequest
from services.webhooks.app import create_app as webhooks_app
from shared.settings import Settings
from shared.validation import LABELS, FieldError, after_i, as_object, label, problems


def readable(error: FieldError) -> None:
    """A sentence for people, in each language, that names its field."""
    name = label(error.field)
    assert error.message_en != error.message_cy, error
    for message in (error.message_en, error.message_cy):
        assert message and "`" not in message and "Expected" not in message and "$." not in message, error
    if f"“{error.field}”" in error.message_en:  # a field the body should not have: named as sent
        assert f"“{error.field}”" in error.message_cy, error
        return
    assert name.en.lower() in error.message_en.lower(), error
    assert any(form.lower() in error.message_cy.lower() for form in (name.cy, after_i(name.cy), as_object(name.cy)))


def api_bodies(app: Litestar) -> set[type[msgspec.Struct]]:
    """Every Struct an API body holds, nested ones (``Triage.engagement``, ``NewAssessment.ratings``) too."""
    bodies: set[type[msgspec.Struct]] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None:
                bodies |= structs_in(data.annotation)
    return bodies


def structs_in(annotation: object) -> set[type[msgspec.Struct]]:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return {annotation}.union(*(structs_in(f.type) for f in msgspec.structs.fields(annotation)))
    return set().union(*(structs_in(arg) for arg in typing.get_args(annotation)))


@pytest.mark.parametrize("create_app", [portfolio_app, notifier_app, webhooks_app])
def test_every_field_of_every_api_body_has_a_name_in_both_languages(
    create_app: Callable[[Settings], Litestar], tmp_path: Path
) -> None:
    app = create_app(Settings(secret_key="x", data_dir=tmp_path))
    bodies = api_bodies(app)
    assert bodies
    unnamed = {
        (b.__name__, f.encode_name) for b in bodies for f in msgspec.structs.fields(b) if f.encode_name not in LABELS
    }
    assert unnamed == set(), "give each a name in both languages in shared/validation.py (LABELS)"


def test_every_bad_field_of_a_body_is_reported_at_once_in_words_naming_it() -> None:
    found = problems(NewSupportRequest, {"organisation": "o" * 201, "contact_name": "n" * 201,
                                         "contact_email": "not an address", "need": "x" * 5001, "colour": "red"})  # fmt: skip
    assert [e.field for e in found] == ["organisation", "contact_name", "contact_email", "need", "colour"]
    for error in found:
        readable(error)
    assert found[0].message_en == "The name of your organisation must be 200 characters or fewer"
    assert found[0].message_cy == "Rhaid i enw eich sefydliad fod yn 200 nod neu lai"
    assert found[-1].message_en == "This request has no field called “colour”"


def test_each_kind_of_problem_has_its_own_sentence() -> None:
    found = problems(NewProject, {
        "title_en": " ", "title_cy": "t" * 201, "slug": "Not A Slug", "summary_cy": "a\x00b", "partner_id": "zz",
        "lead_id": 5, "health": "blue", "tags": ["cloud", "moon"], "start_date": "2026-13-01",
    })  # fmt: skip
    by_field = {e.field: e for e in found}
    assert list(by_field) == ["slug", "title_en", "title_cy", "summary_cy", "partner_id", "lead_id", "health", "tags",
                              "start_date"]  # fmt: skip
    for error in found:
        readable(error)
    assert by_field["title_en"].message_cy == "Rhowch y teitl yn Saesneg"
    assert by_field["summary_cy"].message_en == "The summary in Welsh must not contain the character U+0000"
    assert by_field["health"].message_en == "The health must be one of: green, amber, red"
    assert by_field["start_date"].message_en == "The start date must be a date like 2026-03-31"


def test_welsh_names_take_the_forms_the_sentence_needs() -> None:
    assert after_i("y teitl yn Saesneg") == "i'r teitl yn Saesneg"
    assert after_i("yr enw byr") == "i'r enw byr"
    assert after_i("eich enw") == "i'ch enw"
    assert after_i("canlyniad yr asesiad") == "i ganlyniad yr asesiad"
    assert after_i("dyddiad y diweddariad") == "i ddyddiad y diweddariad"
    assert as_object("corff y cais") == "gorff y cais" and as_object("y partner") == "y partner"


def test_a_body_that_is_not_an_object_is_named_as_the_body() -> None:
    [error] = problems(NewProject, ["not", "an", "object"])
    assert (error.field, error.message_en) == ("body", "Send the request body as a JSON object")
