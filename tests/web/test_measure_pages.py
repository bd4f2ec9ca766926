"""Measures on the pages, without JavaScript: a lead adds a measure and records a month's value, the
project's partner uploads a CSV (every bad row listed, nothing recorded until all are good), the
project page draws each measure with its target and a table, in Welsh or English; the portfolio page
lists the live and beta services' latest values; the public performance page shows published ones."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, field_errors, words


def months_ago(n: int) -> tuple[int, int]:
    first = dt.datetime.now(dt.UTC).date().replace(day=1)
    total = first.year * 12 + first.month - 1 - n
    return total // 12, total % 12 + 1


async def test_a_lead_adds_a_measure_and_records_a_value_and_the_page_draws_it(stack: Stack) -> None:
    project = await create_project(stack)
    form = f"/projects/{project['id']}/measures/new"
    async with browser(stack, "lead") as lead:
        shown = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "Mesurau" in shown and f'href="{form}"' in shown
        wrong = await lead.post(form, {"catalogue": "own", "name_en": "Calls", "target": "lots"}, params={"lang": "en"})
        assert wrong.status_code == 422
        assert set(field_errors(wrong.text)) >= {"target"}
        wrong = await lead.post(form, {"catalogue": "own", "name_en": "Calls"}, params={"lang": "en"})
        assert wrong.status_code == 422 and {"name_cy", "unit", "direction"} <= set(field_errors(wrong.text))
        added = await lead.post(form, {"catalogue": "user_satisfaction", "target": "85"})
        assert added.status_code == 303 and "done=measure" in added.headers["location"]
        page = await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})
        [measure_id] = re.findall(rf"/projects/{project['id']}/measures/([0-9a-f-]+)/values", page.text)
        path = f"/projects/{project['id']}/measures/{measure_id}/values"
        for (year, month), value in ((months_ago(2), "80"), (months_ago(1), "87.5")):
            recorded = await lead.post(path, {"month-month": str(month), "month-year": str(year), "value": value})
            assert recorded.status_code == 303, recorded.text
        future = await lead.post(path, {"month-month": "1", "month-year": "2999", "value": "5"}, params={"lang": "cy"})
        assert future.status_code == 422 and "Ni all y mis fod yn y dyfodol" in words(future)
        english = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "User satisfaction" in english and "87.5%" in english and "Target met" in english
        assert "Better than the month before" in english and "app-chart__target" in english
        welsh = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "Bodlonrwydd defnyddwyr" in welsh and "Gwerthoedd fesul mis" in welsh
    async with browser(stack) as visitor:  # not published: the public sees none of it
        public = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "User satisfaction" not in public


async def test_the_partner_uploads_a_csv_all_or_nothing_and_published_measures_are_public(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], phase="live")
    defined = await api(stack, "POST", f"/api/v1/projects/{project['id']}/measures",
                        json={"catalogue": "digital_take_up", "target_value": 70})  # fmt: skip
    assert defined.status_code == 201, defined.text
    (y2, m2), (y1, m1) = months_ago(2), months_ago(1)
    form = f"/projects/{project['id']}/measures/upload"
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as ours:
        bad = f"measure,month,value\ndigital_take_up,{y2}-{m2:02d},61\nNothing,{y1}-{m1:02d},3\ndigital_take_up,13-2026,x\n"
        refused = await ours.post(form, {"csv": bad}, params={"lang": "en"})
        assert refused.status_code == 422
        text = words(refused)
        assert "line 3: measure" in text and "line 4: month" in text and "line 4: value" in text
        assert "Nothing was recorded" in text
        good = f"measure,month,value\nDigital take-up,{y2}-{m2:02d},61\ndigital_take_up,{y1}-{m1:02d},72%\n"
        accepted = await ours.post(form, {"csv": good})
        assert accepted.status_code == 303 and "done=measure_upload" in accepted.headers["location"]
        mine = words(await ours.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "72%" in mine and "Target met" in mine
    async with browser(stack, "lead") as lead:
        portfolio = words(await lead.get("/measures", params={"lang": "en"}))
        assert project["title_en"] in portfolio and "72%" in portfolio
        measure = defined.json()
        edit = f"/projects/{project['id']}/measures/{measure['id']}/edit"
        published = await lead.post(edit, {"target": "70", "published": "yes", "version": "2"}, form=edit)
        assert published.status_code == 303, published.text
    async with browser(stack) as visitor:
        performance = words(await visitor.get("/performance", params={"lang": "cy"}))
        assert project["title_cy"] in performance and "Defnydd digidol" in performance and "72%" in performance


async def test_a_lead_removes_a_measure_saying_why_at_the_version_the_page_showed(stack: Stack) -> None:
    project = await create_project(stack, phase="live")
    defined = await api(stack, "POST", f"/api/v1/projects/{project['id']}/measures",
                        json={"catalogue": "user_satisfaction", "target_value": 85})  # fmt: skip
    assert defined.status_code == 201, defined.text
    measure = defined.json()
    form = f"/projects/{project['id']}/measures/{measure['id']}/remove"
    async with browser(stack, "lead") as lead:
        assert f'href="{form}"' in (await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})).text
        welsh = words(await lead.get(form, params={"lang": "cy"}))
        assert "Tynnu'r mesur" in welsh and "govuk-warning-text" in welsh and "Bodlonrwydd defnyddwyr" in welsh
        no_reason = await lead.post(form, {"version": "1", "reason_cy": " ", "reason_en": ""}, params={"lang": "cy"})
        assert no_reason.status_code == 422 and field_errors(no_reason.text) == ["reason_cy"]
        assert "Rhowch y rheswm dros ddileu'r mesur" in words(no_reason)
        changed = await api(stack, "PATCH", f"/api/v1/projects/{project['id']}/measures/{measure['id']}", version=1,
                            json={"target_value": 90})  # fmt: skip
        assert changed.status_code == 200, changed.text
        for lang, conflict in (("en", "Someone else changed this measure since you opened it"),
                               ("cy", "Mae rhywun arall wedi newid y mesur hwn ers i chi ei agor")):  # fmt: skip
            stale = await lead.post(form, {"version": "1", "reason_en": "Replaced by a survey"}, params={"lang": lang})
            assert stale.status_code == 422 and conflict in words(stale), words(stale)
        page = await lead.get(form, params={"lang": "en"})
        assert 'name="version" value="2"' in page.text
        once = {"version": "2", "reason_en": "Replaced by the new survey", "request_key": str(uuid.uuid4())}
        for _sent in range(2):  # sent twice (a double click): removed once, and both see the project
            removed = await lead.post(form, once, form=f"/projects/{project['slug']}")
            assert removed.status_code == 303, removed.text
            assert removed.headers["location"] == f"/projects/{project['slug']}?done=measure_removed#measures"
        project_page = f"/projects/{project['slug']}"
        after = words(await lead.get(project_page, params={"done": "measure_removed", "lang": "en"}))
        assert "govuk-notification-banner" in after and "The measure has been removed." in after
        assert "User satisfaction" not in after and form not in after
        welsh_after = words(await lead.get(project_page, params={"done": "measure_removed", "lang": "cy"}))
        assert "Mae'r mesur wedi'i dynnu." in welsh_after
        assert (await lead.get(form)).status_code == 404
    left = await api(stack, "GET", f"/api/v1/projects/{project['id']}/measures")
    assert left.json() == []


async def test_a_partner_or_the_public_can_neither_see_nor_use_the_remove_link(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], phase="live", visibility="public")
    defined = await api(stack, "POST", f"/api/v1/projects/{project['id']}/measures",
                        json={"catalogue": "completion_rate", "published": True})  # fmt: skip
    measure = defined.json()
    form = f"/projects/{project['id']}/measures/{measure['id']}/remove"
    attempt = {"version": "1", "reason_en": "Not wanted"}
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as ours:
        mine = await ours.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert "Completion rate" in mine.text and "/remove" not in mine.text  # may record values, not remove
        assert (await ours.get(form)).status_code == 403
        assert (await ours.post(form, attempt, form=f"/projects/{project['slug']}")).status_code == 403
    async with browser(stack) as visitor:
        public = await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert "Completion rate" in public.text and "/remove" not in public.text
        assert (await visitor.get(form)).status_code == 401
        assert (await visitor.post(form, attempt, form="/support")).status_code == 401
    kept = await api(stack, "GET", f"/api/v1/projects/{project['id']}/measures")
    assert [m["id"] for m in kept.json()] == [measure["id"]]


async def test_a_csv_file_chosen_in_the_upload_form_is_read_as_the_browser_sends_it(stack: Stack) -> None:
    """The form is multipart with the CSRF token among its fields, as a browser posts it: the check
    of its fields must not read the body a second time (it waited for the client, which gave up)."""
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], phase="live")
    defined = await api(
        stack, "POST", f"/api/v1/projects/{project['id']}/measures", json={"catalogue": "digital_take_up"}
    )
    assert defined.status_code == 201, defined.text
    (year, month) = months_ago(1)
    form = f"/projects/{project['id']}/measures/upload"
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as ours:

        async def upload(rows: str, lang: str) -> httpx.Response:
            token = await ours.csrf(form)
            return await ours.client.post(form, params={"lang": lang}, data={"_csrf_token": token},
                                          files={"file": ("values.csv", rows.encode(), "text/csv")})  # fmt: skip

        refused = await upload(f"measure,month,value\ndigital_take_up,{year}-{month:02d},lots\n", "cy")
        assert refused.status_code == 422
        # The bad cell named in Welsh, its column as the file heads it; the count needs no mutation.
        assert "<strong>llinell 2: value</strong>: Rhowch rif" in refused.text
        assert "Mae problemau mewn 1 rhes; ni chofnodwyd dim" in refused.text
        accepted = await upload(f"measure,month,value\ndigital_take_up,{year}-{month:02d},64%\n", "en")
        assert accepted.status_code == 303 and "done=measure_upload" in accepted.headers["location"]
        assert "64%" in words(await ours.get(f"/projects/{project['slug']}", params={"lang": "en"}))
