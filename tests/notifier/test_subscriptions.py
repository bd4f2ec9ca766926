"""Anyone can follow by email with double opt-in; every email can be left with one click."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
import time
import uuid
from collections.abc import Callable

from services.notifier.links import LinkClaims
from shared.bilingual import Bilingual
from shared.events import ProjectCreated, ProjectPhaseChanged, SupportRequested
from tests.helpers import eventually, snapshot
from tests.notifier.conftest import Notifier, Received, confirm_link, first
from tests.notifier.test_signin import request as signin_request


def phase_changed(**overrides: object) -> ProjectPhaseChanged:
    return ProjectPhaseChanged(
        project=snapshot(phase="alpha", **overrides), kind="advance", from_phase="discovery", to_phase="alpha",
        from_state="active", to_state="active", effective=dt.date(2025, 3, 3), reason=Bilingual(en="Ready"),
    )  # fmt: skip


async def test_nothing_is_sent_before_confirmation_and_the_next_event_after_it_is_emailed(notifier: Notifier) -> None:
    answer = await notifier.client.post(
        "/api/v1/subscriptions", json={"email": "Ann@Example.org", "target_kind": "portfolio", "language": "both"}
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["message_en"] and answer.json()["message_cy"]
    confirmation = await eventually(lambda: first(notifier.smtp.to("ann@example.org")))
    assert "Cadarnhewch" in str(confirmation.message["Subject"])

    before = await notifier.publish(ProjectCreated(project=snapshot(title_en="Before confirming")))
    await notifier.applied()
    await notifier.settled()
    assert await notifier.deliveries(event_id=before.id) == []

    page = await notifier.client.get(confirm_link(confirmation))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Diolch" in page.text and "Thank you" not in page.text  # both languages asked for: Welsh, with a switch
    assert page.headers["referrer-policy"] == "no-referrer"
    switch = re.search(r'href="(\?token=[^"]+&amp;lang=en)"[^>]*hreflang="en"', page.text)
    assert switch is not None
    english = await notifier.client.get("/subscriptions/confirm" + switch[1].replace("&amp;", "&"))
    assert "Thank you" in english.text and "Diolch" not in english.text and '<html lang="en"' in english.text

    await notifier.publish(phase_changed(title_en="After confirming"))

    async def phase_email() -> list[Received]:
        return [r for r in notifier.smtp.to("ann@example.org") if "After confirming" in str(r.message["Subject"])]

    [email] = await eventually(phase_email)
    assert "Alffa" in email.text() and "Alpha" in email.text()
    assert len(notifier.smtp.to("ann@example.org")) == 2  # the confirmation and that one


async def test_the_answer_is_the_same_whether_or_not_the_address_already_follows(sending: Notifier) -> None:
    await sending.subscribe_and_confirm("ann@example.org", language="en")
    again = await sending.client.post("/api/v1/subscriptions", json={"email": "ann@example.org", "language": "cy"})
    stranger = await sending.client.post("/api/v1/subscriptions", json={"email": "new@example.org"})
    assert (again.status_code, again.json()) == (stranger.status_code, stranger.json())
    # New preferences only apply once the owner of the address confirms them.
    assert await sending.pool.fetchval("SELECT language FROM subscriptions WHERE email = 'ann@example.org'") == "en"

    async def second_confirmation() -> Received | None:
        received = sending.smtp.to("ann@example.org")
        return received[1] if len(received) > 1 else None

    page = await sending.client.get(confirm_link(await eventually(second_confirmation)))
    assert page.status_code == 200
    assert await sending.pool.fetchval("SELECT language FROM subscriptions WHERE email = 'ann@example.org'") == "cy"


async def test_a_public_form_cannot_flood_an_address_with_confirmations(sending: Notifier) -> None:
    for _ in range(6):
        answer = await sending.client.post("/api/v1/subscriptions", json={"email": "victim@example.org"})
        assert answer.status_code == 202
    await sending.settled()
    assert len(sending.smtp.to("victim@example.org")) == 3  # Options.confirmations_per_hour


async def test_a_tampered_garbled_or_expired_confirmation_link_shows_a_page_in_either_language_and_confirms_nothing(
    sending: Notifier,
) -> None:
    await sending.client.post("/api/v1/subscriptions", json={"email": "ann@example.org"})
    link = confirm_link(await eventually(lambda: first(sending.smtp.to("ann@example.org"))))
    tampered = await sending.client.get(link[:-3] + "abc")
    subscription = await sending.pool.fetchval("SELECT id FROM subscriptions WHERE email = 'ann@example.org'")
    expired_claims = LinkClaims(
        subscription=subscription, language="both", rhythm="immediate", exp=int(time.time()) - 1
    )
    expired = await sending.client.get(sending.app.state.notifier.links.confirm(expired_claims))
    garbled = await sending.client.get("/subscriptions/confirm", params={"token": link.split("token=")[1] + "é"})
    for page in (tampered, expired, garbled):
        assert page.status_code == 400  # whose link it was is unknown: Welsh, with the switch to English
        assert (
            "Nid yw'r ddolen hon yn gweithio" in html.unescape(page.text) and "This link does not work" not in page.text
        )
        assert 'hreflang="en"' in page.text
    english = await sending.client.get(link[:-3] + "abc&lang=en")
    assert english.status_code == 400 and "This link does not work" in english.text
    assert await sending.pool.fetchval("SELECT confirmed FROM subscriptions WHERE id = $1", subscription) is False


async def test_every_email_has_an_unsubscribe_link_and_header_and_one_click_post_unsubscribes(
    notifier: Notifier,
) -> None:
    await notifier.follow("ann@example.org", language="en")
    await notifier.publish(ProjectCreated(project=snapshot(title_en="First news")))
    email = await eventually(lambda: first(notifier.smtp.to("ann@example.org")))
    header = str(email.message["List-Unsubscribe"])
    assert email.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url.startswith("http://notifier/subscriptions/unsubscribe?token=")
    assert url in email.text() and url.replace("&", "&amp;") in email.html()

    page = await notifier.client.get(url)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and 'method="post"' in page.text
    assert await notifier.pool.fetchval("SELECT count(*) FROM subscriptions") == 1

    one_click = await notifier.client.post(
        url, content="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert one_click.status_code == 200 and "You have unsubscribed" in one_click.text
    assert await notifier.pool.fetchval("SELECT count(*) FROM subscriptions") == 0
    assert (await notifier.client.post(url)).status_code == 200  # again: still fine

    later = await notifier.publish(ProjectCreated(project=snapshot(title_en="Second news")))
    await notifier.applied()
    assert await notifier.deliveries(event_id=later.id) == []


async def test_a_confirmation_can_be_refused_from_its_own_unsubscribe_page(sending: Notifier) -> None:
    """Someone signed up an address that did not ask: its owner can say no, and nothing is kept."""
    await sending.client.post("/api/v1/subscriptions", json={"email": "ann@example.org"})
    email = await eventually(lambda: first(sending.smtp.to("ann@example.org")))
    url = str(email.message["List-Unsubscribe"]).strip("<>")
    page = await sending.client.get(url)
    action = re.search(r'action="([^"]+)"', page.text)
    assert action is not None and action[1].startswith("?token=")  # relative: works behind a proxy too
    assert (await sending.client.post(url.split("?")[0] + action[1].replace("&amp;", "&"))).status_code == 200
    assert await sending.pool.fetchval("SELECT count(*) FROM subscriptions") == 0
    assert (await sending.client.get(confirm_link(email))).status_code == 400  # nothing left to confirm


async def test_staff_and_partner_users_follow_from_their_account_confirmed_at_once(sending: Notifier) -> None:
    partner = uuid.uuid4()
    staff = await sending.follow("lead@cdps.example", "lead", target_kind="project", target_id=str(uuid.uuid4()))
    theirs = await sending.follow("contact@council.example", "partner", partner_id=partner, rhythm="weekly")
    assert staff["confirmed"] and staff["audience"] == "staff" and staff["target_kind"] == "project"
    assert theirs["audience"] == "partner" and theirs["rhythm"] == "weekly"
    assert (
        await sending.pool.fetchval("SELECT partner_id FROM subscriptions WHERE id = $1", uuid.UUID(theirs["id"]))
        == partner
    )
    assert sending.smtp.received == []  # no confirmation email for a signed-in follower

    headers = sending.as_("partner", partner_id=partner, sub="contact-1", email="contact@council.example")
    body = {"email": "contact@council.example", "target_kind": "partner", "target_id": str(partner)}
    created = await sending.client.post("/api/v1/me/subscriptions", json=body, headers=headers)
    assert created.status_code == 201
    mine = await sending.client.get("/api/v1/me/subscriptions", headers=headers)
    assert [s["id"] for s in mine.json()] == [created.json()["id"]]
    gone = await sending.client.delete(f"/api/v1/me/subscriptions/{created.json()['id']}", headers=headers)
    assert gone.status_code == 204
    assert (
        await sending.client.delete(f"/api/v1/me/subscriptions/{created.json()['id']}", headers=headers)
    ).status_code == 404

    anonymous = await sending.client.post("/api/v1/me/subscriptions", json={"email": "x@example.org"})
    assert anonymous.status_code == 401


async def test_a_follow_must_say_what_it_follows_and_errors_name_the_field_in_both_languages(sending: Notifier) -> None:
    for body, field in (
        ({"email": "ann@example.org", "target_kind": "project"}, "target_id"),
        ({"email": "ann@example.org", "target_id": str(uuid.uuid4())}, "target_id"),
        ({"email": "not an address"}, "email"),
        ({"email": "ann@example.org", "language": "fr"}, "language"),
        ({"email": "ann@example.org", "extra": 1}, "extra"),
    ):
        answer = await sending.client.post("/api/v1/subscriptions", json=body)
        assert answer.status_code == 422, body
        [error] = answer.json()["errors"]
        assert error["field"] == field and error["message_en"] != error["message_cy"]
    assert await sending.pool.fetchval("SELECT count(*) FROM subscriptions") == 0


async def test_a_sign_up_never_confirmed_is_forgotten_once_its_link_has_expired(
    start: Callable[..., contextlib.AbstractAsyncContextManager[Notifier]],
) -> None:
    async with start(jobs=("sender", "signin")) as sending:
        for address in ("old@example.org", "recent@example.org"):
            await sending.client.post("/api/v1/subscriptions", json={"email": address})
        await sending.pool.execute(
            "UPDATE subscriptions SET created_at = now() - interval '8 days' WHERE email = 'old@example.org'"
        )
    async with start(jobs=("housekeeping",), housekeeping_seconds=0.05) as housekeeping:

        async def forgotten() -> bool:
            emails = await housekeeping.pool.fetchval("SELECT array_agg(email) FROM subscriptions")
            return bool(emails == ["recent@example.org"])

        await eventually(forgotten)


def support_from(address: str) -> SupportRequested:
    return SupportRequested(organisation="Cyngor Tref Aberaeron", contact_name="Elin", contact_email=address,
                            language="cy", need=Bilingual(cy="Help gyda ffurflen ar-lein"), urgency="low")  # fmt: skip


async def test_stopping_an_email_that_follows_nothing_stops_every_such_email_to_the_address_but_not_its_sign_in_links(
    notifier: Notifier,
) -> None:
    address = f"elin-{uuid.uuid4().hex[:6]}@aberaeron.example"
    await notifier.publish(support_from(address))  # acknowledged at once: an email that belongs to no subscription
    email = await eventually(lambda: first(notifier.smtp.to(address)))
    url = str(email.message["List-Unsubscribe"]).strip("<>")
    page = await notifier.client.get(url)
    assert page.status_code == 200 and 'method="post"' in page.text  # not "you have unsubscribed" already
    stopped = await notifier.client.post(url)
    assert stopped.status_code == 200 and "Rydych wedi dad-danysgrifio" in stopped.text
    assert "Rydych wedi dad-danysgrifio" in (await notifier.client.get(url)).text  # and it stays so

    again = await notifier.publish(support_from(address))
    await notifier.applied()
    assert await notifier.deliveries(recipient=address, event_type=again.type) != []  # the first one only
    assert len(await notifier.deliveries(recipient=address)) == 1
    asked = await signin_request(
        notifier, {"email": address, "link": "http://web.test/signin/secret", "language": "cy"}
    )
    assert asked["ok"] is True  # a sign-in link, asked for a moment ago, still goes
    assert len(notifier.smtp.to(address)) == 2
