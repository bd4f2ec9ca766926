"""Funding on the pages, without JavaScript: a lead records funding (every bad field named), the
project page lists it for staff and the project's partner, the public sees only what staff
published, and /funding totals it by year, kind, challenge area and phase, in Welsh or English."""

from __future__ import annotations

import re
import uuid

from tests.stack import Stack
from tests.web.pages_helpers import browser, create_partner, create_project, field_errors, words


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
        assert "Funding by year and kind" in totals and "Forms" in totals and "£12,500" in totals
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
