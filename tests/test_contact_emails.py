"""Issue 18's last point: when an assessment is published (and, issue 20, when CDPS writes in a project's
conversation), the partner's contacts who get project emails are emailed, each in the language
recorded for them, and the links in the email work (followed here)."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import httpx

from tests.helpers import plain_text
from tests.portfolio.test_assessments_api import ratings
from tests.stack import Inbox, Stack
from tests.web.pages_helpers import add_account, api, create_partner, create_project, identity_headers, start_session

TODAY = dt.datetime.now(dt.UTC).date().isoformat()


async def contact(stack: Stack, partner_id: str, **fields: Any) -> dict[str, Any]:
    added = await api(stack, "POST", f"/api/v1/partners/{partner_id}/contacts", json=fields)
    assert added.status_code == 201, added.text
    body: dict[str, Any] = added.json()
    return body


async def publish(stack: Stack, project_id: str) -> dict[str, Any]:
    drafted = await api(stack, "POST", f"/api/v1/projects/{project_id}/assessments", json={
        "to_phase": "alpha", "kind": "peer_review", "held_on": TODAY, "ratings": ratings(),
        "panel": [{"name": "Siân Evans", "role": "Lead assessor"}]})  # fmt: skip
    assert drafted.status_code == 201, drafted.text
    published = await api(stack, "POST", f"/api/v1/assessments/{drafted.json()['id']}/publish", version=1)
    assert published.status_code == 200, published.text
    body: dict[str, Any] = published.json()
    return body


def links_in(text: str, web: str) -> list[str]:
    return [u.rstrip(".,;)") for u in re.findall(r"https?://\S+", text) if u.startswith(web)]


async def test_the_partners_contacts_are_emailed_a_published_assessment_each_in_their_language(
    stack: Stack, inbox: Inbox
) -> None:
    partner = await create_partner(stack, "Betsi Cadwaladr University Health Board",
                                   "Bwrdd Iechyd Prifysgol Betsi Cadwaladr")  # fmt: skip
    project = await create_project(stack, partner_id=partner["id"], visibility="partner",
                                   title_en="Hospital discharge", title_cy="Rhyddhau o'r ysbyty")  # fmt: skip
    tag = uuid.uuid4().hex[:6]
    welsh = await contact(stack, partner["id"], name="Gwen", email=f"gwen-{tag}@bcuhb.example", language="cy")
    english = await contact(stack, partner["id"], name="Tom", email=f"tom-{tag}@bcuhb.example", language="en")
    quiet = await contact(stack, partner["id"], name="Dai", email=f"dai-{tag}@bcuhb.example", project_emails=False)
    other = await create_partner(stack)
    stranger = await contact(stack, other["id"], name="Alys", email=f"alys-{tag}@elsewhere.example")
    assessment = await publish(stack, project["id"])

    [cy] = await inbox.wait_for(welsh["email"], "asesiad wedi'i gyhoeddi")
    [en] = await inbox.wait_for(english["email"], "assessment published")
    assert "Rhyddhau o'r ysbyty" in str(cy["Subject"]) and "Hospital discharge" in str(en["Subject"])
    assert "Mewngofnodwch gyda'r cyfeiriad e-bost hwn" in plain_text(cy)
    assert "assessment published" not in str(cy["Subject"])  # Welsh only, as recorded
    assert all(quiet["email"] != m["To"] and stranger["email"] != m["To"] for m in inbox.messages)

    web = stack.urls["web"]
    report = f"/assessments/{assessment['id']}"
    found = links_in(plain_text(en), web)
    assert any("next=%2Fassessments%2F" in u for u in found), found
    async with httpx.AsyncClient(timeout=15) as visitor:  # someone who is not signed in: the sign-in page
        for url in found:
            opened = await visitor.get(url, follow_redirects=True)
            assert opened.status_code == 200, (url, opened.status_code)
    team = await add_account(stack, "partner", partner_id=uuid.UUID(partner["id"]))
    cookies = {"cdps_session": await start_session(stack, team)}
    async with httpx.AsyncClient(timeout=15, cookies=cookies) as member:  # signed in: on to the report
        [report_link] = [u for u in found if "assessments" in u]
        opened = await member.get(report_link, follow_redirects=True)
        trail = [(r.status_code, str(r.url)) for r in opened.history] + [(opened.status_code, str(opened.url))]
        assert opened.status_code == 200 and opened.url.path == report, trail
        assert "Rhyddhau o'r ysbyty" in html.unescape(opened.text)  # the report (in Welsh: no language chosen)


async def test_a_contact_who_follows_the_project_gets_one_email_in_their_recorded_language(
    stack: Stack, inbox: Inbox
) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], title_en="Bin days", title_cy="Diwrnodau biniau")
    address = f"eleri-{uuid.uuid4().hex[:6]}@council.example"
    await contact(stack, partner["id"], name="Eleri", email=address, language="cy")
    async with httpx.AsyncClient(base_url=stack.urls["notifier"]) as client:  # the public double opt-in, in English
        asked = await client.post("/api/v1/subscriptions", json={"email": address, "target_kind": "project",
                                                                 "target_id": project["id"], "language": "en",
                                                                 "rhythm": "immediate"})  # fmt: skip
        assert asked.status_code == 202, asked.text
    [confirmation] = await inbox.wait_for(address)
    [confirm] = [u for u in re.findall(r"https?://\S+", plain_text(confirmation)) if "/subscriptions/confirm" in u]
    async with httpx.AsyncClient(timeout=15) as reader:
        assert (await reader.get(confirm)).status_code == 200
    await publish(stack, project["id"])
    [email] = await inbox.wait_for(address, "asesiad wedi'i gyhoeddi")
    assert "Diwrnodau biniau" in str(email["Subject"])
    assert len([m for m in inbox.messages if m["To"] == address]) == 2  # the confirmation, then one email
    assert "/subscriptions/unsubscribe" in plain_text(email)  # their subscription's link, to end it


async def comment(stack: Stack, project_id: str, text: str, *, role: str = "lead", internal: bool = False,
                  partner_id: str | None = None, sub: str = "") -> None:  # fmt: skip
    headers = identity_headers(stack, role, sub=sub, partner_id=uuid.UUID(partner_id) if partner_id else None)
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        posted = await client.post(f"{stack.urls['portfolio']}/api/v1/projects/{project_id}/comments",
                                   json={"comment": text, "internal": internal})  # fmt: skip
    assert posted.status_code == 201, posted.text


async def test_cdps_writing_in_a_projects_conversation_emails_the_partners_contacts_but_never_a_staff_only_note(
    stack: Stack, inbox: Inbox
) -> None:
    partner = await create_partner(stack, "Ceredigion County Council", "Cyngor Sir Ceredigion")
    project = await create_project(stack, partner_id=partner["id"], visibility="partner",
                                   title_en="Library app", title_cy="Ap y llyfrgell")  # fmt: skip
    tag = uuid.uuid4().hex[:6]
    welsh = await contact(stack, partner["id"], name="Nia", email=f"nia-{tag}@ceredigion.example", language="cy")
    english = await contact(stack, partner["id"], name="Sam", email=f"sam-{tag}@ceredigion.example", language="en")
    quiet = await contact(stack, partner["id"], name="Ifan", email=f"ifan-{tag}@ceredigion.example",
                          project_emails=False)  # fmt: skip
    # Before CDPS's reply, so the consumer (which keeps the stream's order) has dealt with both by the time
    # the reply's emails are out: neither may have written a delivery to a contact.
    await comment(stack, project["id"], f"Internal {tag}: check the budget first", internal=True)
    await comment(stack, project["id"], "When is the next show and tell?", role="partner", partner_id=partner["id"])
    await comment(stack, project["id"], "Dydd Mawrth nesaf, am ddeg o'r gloch yn y llyfrgell")

    [cy] = await inbox.wait_for(welsh["email"], "Sylw newydd: Ap y llyfrgell")
    [en] = await inbox.wait_for(english["email"], "New comment: Library app")
    assert "Dydd Mawrth nesaf" in plain_text(cy) and "Dydd Mawrth nesaf" in plain_text(en)
    async with httpx.AsyncClient(timeout=10, headers=identity_headers(stack, "admin")) as admin:
        for address in (welsh["email"], english["email"], quiet["email"]):
            log = await admin.get(f"{stack.urls['notifier']}/api/v1/deliveries", params={"recipient": address})
            assert log.status_code == 200, log.text
            expected = [] if address == quiet["email"] else ["portfolio.comment.posted"]
            assert [d["event_type"] for d in log.json()] == expected, (address, log.json())
    assert all(tag not in plain_text(m) for m in inbox.messages if m["To"] in (welsh["email"], english["email"]))

    web = stack.urls["web"]
    found = links_in(plain_text(cy), web)
    assert found and all("next=%2Fprojects%2F" in u for u in found if "/projects" in u or "next=" in u), found
    team = await add_account(stack, "partner", partner_id=uuid.UUID(partner["id"]))
    cookies = {"cdps_session": await start_session(stack, team)}
    async with httpx.AsyncClient(timeout=15, cookies=cookies) as member:  # the link leads to the conversation
        [reply_link] = [u for u in found if "next=" in u]
        opened = await member.get(reply_link, follow_redirects=True)
        assert opened.status_code == 200 and opened.url.path == f"/projects/{project['slug']}", opened.url
        assert "Dydd Mawrth nesaf" in html.unescape(opened.text) and tag not in opened.text
