"""Sign-in links are asked for over core NATS request/reply, emailed at once, and never stored."""

from __future__ import annotations

import msgspec

from tests.helpers import eventually, stream_events
from tests.notifier.conftest import Notifier, first

LINK = "http://web.test/signin/one-time-secret-token"


async def request(notifier: Notifier, payload: object) -> dict[str, object]:
    reply = await notifier.runtime.nc.request(
        notifier.settings.subject_for("auth.signin_link"), msgspec.json.encode(payload), timeout=5
    )
    answer: dict[str, object] = msgspec.json.decode(reply.data)
    return answer


async def test_a_sign_in_link_is_emailed_at_once_and_the_reply_says_so(sending: Notifier) -> None:
    answer = await request(sending, {"email": "Ann@Example.org", "link": LINK, "language": "cy"})
    assert answer == {"ok": True}
    email = await eventually(lambda: first(sending.smtp.to("ann@example.org")))  # sent before the reply
    assert LINK in email.text() and LINK in email.html()
    assert str(email.message["Subject"]) == "Eich dolen mewngofnodi i bortffolio CDPS"
    assert "List-Unsubscribe" not in email.message

    [logged] = await sending.deliveries()
    assert (logged["status"], logged["event_type"], logged["recipient"]) == (
        "sent",
        "auth.signin_link",
        "ann@example.org",
    )
    tables = await sending.pool.fetchval(
        "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM deliveries) t"
    ) + await sending.pool.fetchval("SELECT string_agg(payload::text, ' ') FROM notices")
    assert "one-time-secret-token" not in tables
    assert await stream_events(sending.runtime.js, sending.settings) == []


async def test_a_sign_in_request_that_cannot_be_sent_is_answered_with_the_reason(sending: Notifier) -> None:
    assert (await request(sending, {"email": "not an address", "link": LINK}))["ok"] is False
    sending.smtp.data_replies.append("452 4.3.1 Insufficient storage")
    answer = await request(sending, {"email": "ann@example.org", "link": LINK, "language": "en"})
    assert answer["ok"] is False and answer["temporary"] is True and "452" in str(answer["error"])
    [logged] = await sending.deliveries()
    assert logged["status"] == "failed"
    retry = await sending.client.post(f"/api/v1/deliveries/{logged['id']}/retry", headers=sending.as_("admin"))
    assert retry.status_code == 409  # the link is not kept, so it cannot be sent again
