"""A form reports every bad field of a submission at once, in the GOV.UK error summary and beside each
field, in words written for people that name the field, in Welsh and English; odd characters in a
form's version or date fields are a form error, never a server error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from services.portfolio import assessments, contacts, domain, phases
from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_project, field_errors, summary_links, words
from web.pages import validation

LIBRARY_TEXT = ("Expected", "`str`", "length", "regex")


def too_long(limit: int) -> str:
    return "x" * (limit + 1)


async def test_a_support_request_with_three_over_long_fields_and_a_bad_email_flags_all_four(stack: Stack) -> None:
    form = {"organisation": too_long(200), "contact_name": too_long(200), "contact_email": "nia-at-example",
            "language": "cy", "need": too_long(5000), "urgency": "high"}  # fmt: skip
    async with browser(stack) as visitor:
        english = await visitor.post("/support", form, params={"lang": "en"})
        assert english.status_code == 422
        expected = ["organisation", "contact_name", "contact_email", "need"]
        assert summary_links(english.text) == expected == field_errors(english.text)
        text = words(english)
        assert "The name of your organisation must be 200 characters or fewer" in text
        assert "Your name must be 200 characters or fewer" in text
        assert "Enter an email address in the correct format, like name@example.com" in text
        assert "The description of what you need help with must be 5,000 characters or fewer" in text
        assert not any(fragment in text for fragment in LIBRARY_TEXT)
        welsh = await visitor.post("/support", form, params={"lang": "cy"})
        assert summary_links(welsh.text) == expected
        text = words(welsh)
        assert "Rhaid i enw eich sefydliad fod yn 200 nod neu lai" in text
        assert "Rhaid i'ch enw fod yn 200 nod neu lai" in text
        assert "Rhaid i'r disgrifiad o'r help sydd ei angen arnoch fod yn 5,000 nod neu lai" in text
        assert not any(fragment in text for fragment in LIBRARY_TEXT)


async def test_the_assessment_forms_flag_every_over_long_welsh_or_english_text_at_once_and_send_nothing(
    stack: Stack,
) -> None:
    project = await create_project(stack)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    drafted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/assessments", json={
        "to_phase": "alpha", "kind": "peer_review", "held_on": today, "panel": [{"name": "Ann Jones"}],
        "ratings": [{"standard": n, "rating": "partly_met"} for n in range(1, 13)]})  # fmt: skip
    assessment = drafted.json()
    base = f"/assessments/{assessment['id']}"
    async with browser(stack, "lead") as lead:
        standard = await lead.post(f"{base}/standards/1", {"version": "1", "rating": "not_assessed",
                                                           "reason_cy": too_long(2000), "reason_en": too_long(2000),
                                                           "evidence_en": too_long(10000)}, params={"lang": "cy"})  # fmt: skip
        assert standard.status_code == 422
        assert summary_links(standard.text) == ["reason_cy", "reason_en", "evidence_en"] == field_errors(standard.text)
        assert "Rhaid i'r rheswm na chafodd ei asesu, yn Gymraeg, fod yn 2,000 nod neu lai" in words(standard)
        check = await lead.post(f"{base}/check", {"version": "1", "panel_outcome": "met", "action": "draft",
                                                  "override_reason_cy": too_long(2000),
                                                  "override_reason_en": too_long(2000)}, params={"lang": "en"})  # fmt: skip
        assert check.status_code == 422
        assert summary_links(check.text) == ["override_reason_cy", "override_reason_en"]
        assert "The panel's reason in English must be 2,000 characters or fewer" in words(check)
        await lead.post(f"{base}/check", {"version": "1", "action": "publish"})
        added = await lead.post(f"{base}/actions", {"standard": "1", "text_cy": "Profi eto", "owner": "Nia"}, form=base)
        assert added.status_code == 303, added.text
        [action] = (await api(stack, "GET", f"/api/v1/assessments/{assessment['id']}/actions")).json()
        closing = {"version": "1", "assessment": assessment["id"], "state": "dropped", "reason_cy": "Dim angen",
                   "reason_en": too_long(2000)}  # fmt: skip
        refused = await lead.post(f"/actions/{action['id']}/close", closing, form=base, params={"lang": "en"})
        assert refused.status_code == 422
        assert summary_links(refused.text) == [f"reason-{action['id']}-en"] == field_errors(refused.text)
        assert "The reason for dropping it, in English, must be 2,000 characters or fewer" in words(refused)
        assert ">Dim angen</textarea>" in refused.text  # what was typed is kept
    [action] = (await api(stack, "GET", f"/api/v1/assessments/{assessment['id']}/actions")).json()
    assert action["state"] == "open"  # nothing half-written


async def test_a_new_project_flags_every_bad_field_at_once(stack: Stack) -> None:
    form = {"title_cy": too_long(200), "title_en": too_long(200), "slug": "Not A Slug", "summary_cy": "",
            "summary_en": too_long(4000), "partner_id": "", "visibility": "public", "start_date-day": "1",
            "start_date-month": "1", "start_date-year": "9" * 30}  # fmt: skip
    async with browser(stack, "lead") as lead:
        page = await lead.post("/projects/new", form, params={"lang": "cy"})
        assert page.status_code == 422
        assert summary_links(page.text) == ["title_cy", "title_en", "slug", "summary_en", "start_date-day"]
        text = words(page)
        assert "Rhaid i'r teitl yn Gymraeg fod yn 200 nod neu lai" in text
        assert "Rhaid i'r teitl yn Saesneg fod yn 200 nod neu lai" in text
        assert "Rhowch enw byr o lythrennau bach, rhifau a chysylltnodau" in text
        assert "Rhaid i'r crynodeb yn Saesneg fod yn 4,000 nod neu lai" in text
        assert "Rhowch ddyddiad dechrau go iawn" in text


@pytest.mark.parametrize("version", ["²", "١", "9" * 5000, "-1", " 1"])
async def test_a_project_form_with_a_version_that_is_not_plain_digits_is_stale_not_a_server_error(
    stack: Stack, version: str
) -> None:
    project = await create_project(stack)
    async with browser(stack, "lead") as lead:
        path = f"/projects/{project['id']}/edit"
        page = await lead.post(path, {"version": version, "title_en": "New", "title_cy": "Newydd", "visibility": "public"},
                               params={"lang": "en"})  # fmt: skip
        assert page.status_code == 412, page.text[:300]
        assert "Someone else changed this project" in page.text and 'name="version" value="1"' in page.text
    unchanged = await api(stack, "GET", f"/api/v1/projects/{project['id']}")
    assert unchanged.json()["title_en"] == project["title_en"]


async def test_the_project_forms_flag_every_over_long_field_at_once_in_the_forms_order(stack: Stack) -> None:
    project = await create_project(stack)
    async with browser(stack, "lead") as lead:
        base = f"/projects/{project['id']}"
        edit = await lead.post(f"{base}/edit", {"version": "1", "title_cy": "", "title_en": too_long(200),
                                                "summary_cy": too_long(4000), "summary_en": too_long(4000),
                                                "visibility": "public"}, params={"lang": "en"})  # fmt: skip
        assert edit.status_code == 422
        assert summary_links(edit.text) == ["title_cy", "title_en", "summary_cy", "summary_en"]
        assert "Enter the title in Welsh" in edit.text and "The summary in Welsh must be 4,000 characters" in edit.text
        phase = await lead.post(f"{base}/phase", {"version": "1", "action": "", "reason_en": too_long(2000),
                                                  "assessment_url": too_long(2000)}, params={"lang": "en"})  # fmt: skip
        assert phase.status_code == 422
        assert summary_links(phase.text) == ["action", "effective-day", "reason_en", "assessment_url"]
        assert "The link to the assessment report must be 2,000 characters or fewer" in phase.text
        update = await lead.post(f"{base}/update", {"body_cy": too_long(10000), "body_en": too_long(10000),
                                                    "posted_on-day": "²", "posted_on-month": "1",
                                                    "posted_on-year": "2026", "health": "amber",
                                                    "health_reason_cy": too_long(2000)}, params={"lang": "cy"})  # fmt: skip
        assert update.status_code == 422
        assert summary_links(update.text) == ["body_cy", "body_en", "posted_on-day", "health_reason_cy"]
        assert "Rhaid i'r diweddariad yn Gymraeg fod yn 10,000 nod neu lai" in words(update)
        assert "Rhaid i'r rheswm dros yr iechyd yn Gymraeg fod yn 2,000 nod neu lai" in words(update)
        health = await lead.post(f"{base}/health", {"version": "1", "health": "", "reason_en": too_long(2000)},
                                 params={"lang": "en"})  # fmt: skip
        assert summary_links(health.text) == ["health", "reason_en"]
        assert "The reason in English must be 2,000 characters or fewer" in health.text
    unchanged = await api(stack, "GET", f"/api/v1/projects/{project['id']}")
    assert unchanged.json()["version"] == 1  # nothing half-written


def string_limits(struct: type[Any], field: str) -> tuple[int, int]:
    """(min_length, max_length) of a str field of a service's input Struct; ``reason_cy`` is the Welsh
    of a bilingual ``reason`` (shared/bilingual.py), one form field for each language."""
    fields = msgspec.inspect.type_info(struct).fields  # type: ignore[attr-defined]
    if not any(f.name == field for f in fields) and field.endswith(("_en", "_cy")):
        (info,) = [f for f in fields if f.name == field[:-3]]
        (nested,) = [k for k in info.type.types if isinstance(k, msgspec.inspect.StructType)]
        return string_limits(nested.cls, field[-2:])
    (info,) = [f for f in fields if f.name == field]
    kinds = info.type.types if isinstance(info.type, msgspec.inspect.UnionType) else (info.type,)
    (text,) = [k for k in kinds if isinstance(k, msgspec.inspect.StrType)]
    return text.min_length or 0, text.max_length or 0


@pytest.mark.parametrize(("rules", "struct"), [
    (validation.SUPPORT_REQUEST, domain.NewSupportRequest), (validation.NEW_PROJECT, domain.NewProject),
    (validation.PROJECT_CHANGES, domain.ProjectChanges), (validation.PHASE_CHANGE, phases.Transition),
    (validation.HEALTH_CHANGE, domain.HealthChange), (validation.UPDATE_TEXT, domain.NewUpdate),
    (validation.UPDATE_HEALTH_REASON, domain.NewUpdate), (validation.ENGAGEMENT_SUMMARIES, domain.NewEngagement),
    (validation.TRIAGE_REASON, domain.Triage),
    (validation.NEW_PARTNER, domain.NewPartner), (validation.PARTNER_CHANGES, domain.PartnerChanges),
    (validation.CONTACT, contacts.NewContact), (validation.CONTACT, contacts.ContactChanges),
    (validation.NOT_ASSESSED_REASON, assessments.RatingInput), (validation.STANDARD_TEXTS, assessments.RatingInput),
    (validation.ASSESSMENT_SUMMARIES, assessments.AssessmentChanges),
    (validation.OVERRIDE_REASON, assessments.AssessmentChanges),
    (validation.DROPPED_REASON, assessments.ActionClosing),
    # a panel row's name may be left empty (an empty row is not sent): its role's limits only
    (validation.PANEL_MEMBER[1:], assessments.PanelMemberInput),
])  # fmt: skip
def test_the_web_checks_the_same_lengths_as_the_portfolio(rules: tuple[validation.Text, ...], struct: type) -> None:
    for rule in rules:
        minimum, maximum = string_limits(struct, rule.name)
        assert rule.max_length == maximum, rule.name
        assert rule.min_length == minimum or (rule.missing and minimum == 1), rule.name
