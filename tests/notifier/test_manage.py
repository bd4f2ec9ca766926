"""Every email links to its address's "manage your subscriptions" page: a signed link, no account
needed, that changes a subscription's language or frequency, ends one, or ends them all, and
reaches no other address's subscriptions."""

from __future__ import annotations

import re
import uuid

from services.notifier.links import LinkClaims, sign_link
from shared.events import ProjectCreated
from tests.helpers import eventually, snapshot
from tests.notifier.conftest import Notifier, Received, first

MANAGE_LINK = re.compile(r"http://notifier/subscriptions/manage\?token=\S+")
SUBSCRIPTION = re.compile(r'name="subscription" value="([0-9a-f-]+)"')


def manage_link(received: Received) -> str:
    match = MANAGE_LINK.search(received.text())
    assert match, received.text()
    assert match[0] in received.html().replace("&amp;", "&")  # in the HTML version's footer too
    return match[0]


async def rhythm_and_language(notifier: Notifier, subscription_id: str) -> tuple[str, str] | None:
    row = await notifier.pool.fetchrow("SELECT rhythm, language FROM subscriptions WHERE id = $1",
                                       uuid.UUID(subscription_id))  # fmt: skip
    return None if row is None else (row["rhythm"], row["language"])


async def test_the_link_in_an_email_changes_the_language_and_frequency_then_stops_the_emails(
    notifier: Notifier,
) -> None:
    await notifier.subscribe_and_confirm("reader@example.org", language="en")
    await notifier.publish(ProjectCreated(project=snapshot(title_en="Bins")))
    news = await eventually(lambda: first(notifier.smtp.to("reader@example.org")[1:]))
    link = manage_link(news)

    page = await notifier.client.get(link)
    assert page.status_code == 200 and "Manage your subscriptions" in page.text  # the email's language
    assert "reader@example.org" in page.text and "the whole CDPS portfolio" in page.text
    [subscription] = SUBSCRIPTION.findall(page.text)

    wrong = await notifier.client.post(link, data={"subscription": subscription, "action": "save", "rhythm": "hourly"})
    assert wrong.status_code == 422
    assert f'href="#language-{subscription}"' in wrong.text and f'href="#rhythm-{subscription}"' in wrong.text
    assert await rhythm_and_language(notifier, subscription) == ("immediate", "en")  # nothing half-saved

    saved = await notifier.client.post(
        link + "&lang=cy", data={"subscription": subscription, "action": "save", "language": "cy", "rhythm": "daily"}
    )
    assert saved.status_code == 200 and "Wedi cadw" in saved.text
    assert await rhythm_and_language(notifier, subscription) == ("daily", "cy")

    stopped = await notifier.client.post(link, data={"subscription": subscription, "action": "stop"})
    assert stopped.status_code == 200 and "You will no longer get emails about this" in stopped.text
    assert await rhythm_and_language(notifier, subscription) is None
    assert "You do not follow anything" in (await notifier.client.get(link)).text


async def test_unsubscribe_from_everything_ends_every_subscription_of_the_address_and_no_other(
    notifier: Notifier,
) -> None:
    project = uuid.uuid4()
    await notifier.follow("many@example.org", language="cy")
    await notifier.follow("many@example.org", target_kind="project", target_id=str(project), rhythm="weekly")
    other = await notifier.follow("other@example.org")
    token = sign_link(LinkClaims(email="many@example.org"), "manage", notifier.settings.secret_key)
    link = f"/subscriptions/manage?token={token}"
    page = await notifier.client.get(link)
    assert page.status_code == 200 and len(SUBSCRIPTION.findall(page.text)) == 2
    assert "Rheoli eich tanysgrifiadau" in page.text  # no language in the link: Welsh

    # The link manages its own address's subscriptions only.
    theirs = await notifier.client.post(link, data={"subscription": other["id"], "action": "save", "language": "en",
                                                    "rhythm": "weekly"})  # fmt: skip
    assert theirs.status_code == 404 and await rhythm_and_language(notifier, other["id"]) == ("immediate", "both")
    await notifier.client.post(link, data={"subscription": other["id"], "action": "stop"})
    assert await rhythm_and_language(notifier, other["id"]) is not None

    everything = await notifier.client.post(link, data={"action": "stop_all"})
    assert everything.status_code == 200 and "Rydych wedi dad-danysgrifio o bopeth" in everything.text
    left = await notifier.pool.fetch("SELECT email FROM subscriptions ORDER BY email")
    assert [r["email"] for r in left] == ["other@example.org"]


async def test_a_forged_or_other_purpose_link_opens_the_link_not_working_page(notifier: Notifier) -> None:
    unsubscribe = sign_link(LinkClaims(email="x@example.org"), "unsubscribe", notifier.settings.secret_key)
    for token in ("nonsense", unsubscribe, sign_link(LinkClaims(email="x@example.org"), "manage", "another-secret")):
        for method in ("GET", "POST"):
            answer = await notifier.client.request(method, "/subscriptions/manage", params={"token": token},
                                                   data={"action": "stop_all"} if method == "POST" else None)  # fmt: skip
            assert answer.status_code == 400, (token, method)
