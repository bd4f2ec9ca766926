"""Funding on the pages, without JavaScript: a lead records funding (every bad field named), the
project page lists it for staff and the project's partner, the public sees only what staff
published, and /funding totals it by financial year (each record spread over its days), kind,
challenge area and phase, in Welsh or English."""

from __future__ import annotations

import re
import uuid

from tests.stack import Stack
from tests.web.pages_helpers import browser, create_partner, create_project, field_errors, words


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table with this id."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?<tbody[^>]*>(.*?)</tbody>', page, re.S)
    assert table, f"no table {table_id}"
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)]  # fmt: skip


async def test_a_lead_records_funding_and_it_is_public_only_once_published(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], tags=["forms"])
    form = f"/projects/{project['id']}/funding/new"
    async with browser(stack, "lead") as lead:
        wrong = await lead.post(form, {"amount": "lots", "starts-month": "13", "starts-year": "2026"},
                                params={"lang": "en"})  # fmt: skip
        assert wrong.status_code == 422
        assert {"source", "starts-month", "ends-month", "kind"} <= set(field_errors(wrong.text))
        recorded = await lead.post(form, {"source": "welsh_government", "amount": "£12,500", "starts-month": "4",
                                          "starts-year": "2026", "ends-month": "3", "ends-year": "2027",
                                          "kind": "continuous_improvement"})  # fmt: skip
        assert recorded.status_code == 303, recorded.text
        page = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "Rhaglen Llywodraeth Cymru" in page and "£12,500" in page and "Gwelliant parhaus" in page
        totals = words(await lead.get("/funding", params={"lang": "en"}))
        assert "Funding by financial year and kind" in totals and "Forms" in totals and "£12,500" in totals
        assert "The funding recorded for every project in the portfolio" in totals
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as ours:
        assert "£12,500" in words(await ours.get(f"/projects/{project['slug']}", params={"lang": "en"}))
    async with browser(stack) as visitor:
        assert "£12,500" not in words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))
    async with browser(stack, "lead") as lead:
        shown = await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})
        [(funding_id, version)] = re.findall(
            r'action="/projects/[0-9a-f-]+/funding/([0-9a-f-]+)/publish"[^>]*>.*?name="version" value="(\d+)"',
            shown.text,
        )
        published = await lead.post(f"/projects/{project['id']}/funding/{funding_id}/publish",
                                    {"version": version, "published": "yes"}, form=f"/projects/{project['slug']}")  # fmt: skip
        assert published.status_code == 303 and "done=funding_published" in published.headers["location"]
    async with browser(stack) as visitor:
        assert "£12,500" in words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))


async def test_funding_crossing_31_march_is_shared_between_financial_years_to_the_penny(stack: Stack) -> None:
    """£1,000 for January to December 2031: 90 of its 365 days fall in 2030-31, 275 in 2031-32."""
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    async with browser(stack, "lead") as lead:
        recorded = await lead.post(f"/projects/{project['id']}/funding/new", {
            "source": "cdps", "amount": "1000", "starts-month": "1", "starts-year": "2031", "ends-month": "12",
            "ends-year": "2031", "kind": "project"})  # fmt: skip
        assert recorded.status_code == 303, recorded.text
        again = await lead.post(f"/projects/{project['id']}/funding/new", {
            "source": "partner", "amount": "500", "starts-month": "4", "starts-year": "2031", "ends-month": "3",
            "ends-year": "2032", "kind": "continuous_improvement"})  # fmt: skip
        assert again.status_code == 303, again.text
        expected = [["2030-31", "£246.58", "£0", "£246.58"], ["2031-32", "£753.42", "£500", "£1,253.42"]]
        for lang, heading in (("en", "Financial year"), ("cy", "Blwyddyn ariannol")):
            page = words(await lead.get(f"/projects/{project['slug']}", params={"lang": lang}))
            assert heading in page and table_rows(page, "funding-years") == expected
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as ours:
        for lang, heading, scope in (
            ("en", "Funding by financial year and kind", "The funding recorded for your organisation's projects"),
            ("cy", "Cyllid fesul blwyddyn ariannol a math", "Y cyllid a gofnodwyd ar gyfer prosiectau eich sefydliad"),
        ):
            totals = words(await ours.get("/funding", params={"lang": lang}))
            # Its own projects' records only: another partner's, even published, are not its money.
            years = [row for row in table_rows(totals, "funding-years") if row[0] in ("2030-31", "2031-32")]
            assert heading in totals and scope in totals and years == expected


async def test_a_lead_corrects_a_funding_record_at_the_version_they_opened(stack: Stack) -> None:
    """A typing slip or a period that moved is corrected in the pages, as in the API: every bad field is
    named and nothing is written; a record changed meanwhile is not overwritten; the partner may not."""
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    async with browser(stack, "lead") as lead:
        recorded = await lead.post(f"/projects/{project['id']}/funding/new", {
            "source": "cdps", "amount": "1000", "starts-month": "4", "starts-year": "2032", "ends-month": "3",
            "ends-year": "2033", "kind": "project"})  # fmt: skip
        assert recorded.status_code == 303, recorded.text
        shown = (await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})).text
        [edit] = re.findall(r'href="(/projects/[0-9a-f-]+/funding/[0-9a-f-]+/edit)"', shown)
        form = await lead.get(edit, params={"lang": "cy"})
        assert "Cywiro'r cofnod cyllid" in words(form) and 'name="amount" type="text" value="1000"' in form.text
        values = {"source": "cdps", "amount": "1000", "starts-month": "4", "starts-year": "2032", "ends-month": "3",
                  "ends-year": "2033", "kind": "project", "version": "1"}  # fmt: skip
        wrong = await lead.post(edit, {**values, "source": "", "ends-month": "14", "kind": ""}, params={"lang": "en"})
        assert wrong.status_code == 422 and {"source", "ends-month", "kind"} <= set(field_errors(wrong.text))
        backwards = await lead.post(edit, {**values, "ends-year": "2031"}, params={"lang": "en"})
        assert backwards.status_code == 422 and "The period must not end before it starts" in words(backwards)
        corrected = await lead.post(edit, {**values, "amount": "1,500", "ends-month": "9"}, params={"lang": "en"})
        assert corrected.status_code == 303 and "done=funding_corrected" in corrected.headers["location"]
        page = words(await lead.get(f"/projects/{project['slug']}", params={"done": "funding_corrected", "lang": "en"}))
        assert "The funding record has been corrected." in page and "£1,500" in page and "September 2033" in page
        stale = await lead.post(edit, {**values, "amount": "2000"}, params={"lang": "en"})
        assert stale.status_code == 422 and "Someone else changed this funding record" in words(stale)
        assert "£2,000" not in words(await lead.get(f"/projects/{project['slug']}", params={"lang": "en"}))
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as ours:
        assert (await ours.get(edit)).status_code == 403
        refused = await ours.post(edit, {**values, "version": "2"}, form=f"/projects/{project['slug']}")
        assert refused.status_code == 403
