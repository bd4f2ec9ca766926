"""Nobody is emailed about a record they may not see, and each email goes to whom it is for."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from services.notifier.domain import Follower, Reach, recipients
from shared.bilingual import Bilingual
from shared.events import (
    EngagementRecorded,
    PartnerRegistered,
    PartnerSnapshot,
    ProjectHealthChanged,
    SupportRequested,
    SupportTriaged,
)
from tests.helpers import eventually, snapshot
from tests.notifier.conftest import Notifier, Received, first

OURS, THEIRS = uuid.uuid4(), uuid.uuid4()


def follower(audience: Any, partner_id: uuid.UUID | None = None, **overrides: Any) -> Follower:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(), "email": f"{audience}-{uuid.uuid4().hex[:4]}@example.org", "language": "both",
        "rhythm": "immediate", "audience": audience, "partner_id": partner_id, "target_kind": "portfolio",
        "target_id": None,
    }  # fmt: skip
    return Follower(**(fields | overrides))


PUBLIC, STAFF = follower("public"), follower("staff")
OUR_USER, THEIR_USER = follower("partner", OURS), follower("partner", THEIRS)


@pytest.mark.parametrize(
    ("visibility", "partner_id", "expected"),
    [
        ("public", OURS, {PUBLIC, STAFF, OUR_USER, THEIR_USER}),
        ("partner", OURS, {STAFF, OUR_USER}),
        ("partner", None, {STAFF}),
        ("staff", OURS, {STAFF}),
    ],
)
def test_who_may_hear_about_a_record(visibility: Any, partner_id: uuid.UUID | None, expected: set[Follower]) -> None:
    reach = Reach(visibility=visibility, partner_id=partner_id, project_id=uuid.uuid4())
    assert set(recipients([PUBLIC, STAFF, OUR_USER, THEIR_USER], reach)) == expected


def test_following_a_project_or_a_partner_hears_only_about_it_and_one_address_gets_one_email() -> None:
    project = uuid.uuid4()
    on_project = follower("public", target_kind="project", target_id=project, email="ann@example.org")
    on_partner = follower("public", target_kind="partner", target_id=OURS, email="ann@example.org", rhythm="weekly")
    on_portfolio = follower("public", email="ann@example.org")
    elsewhere = follower("public", target_kind="project", target_id=uuid.uuid4())
    reach = Reach(visibility="public", partner_id=OURS, project_id=project)
    assert recipients([on_portfolio, on_partner, elsewhere, on_project], reach) == [on_project]
    other_project = Reach(visibility="public", partner_id=OURS, project_id=uuid.uuid4())
    assert recipients([on_partner, on_project, elsewhere], other_project) == [on_partner]


def health_changed(visibility: str, partner_id: uuid.UUID | None, title: str) -> ProjectHealthChanged:
    project = snapshot(visibility=visibility, partner_id=partner_id, title_en=title)
    return ProjectHealthChanged(project=project, from_health="green", to_health="amber", reason=Bilingual(en="Late"))


async def test_a_partner_visible_or_internal_change_is_not_emailed_to_those_who_may_not_see_it(
    notifier: Notifier,
) -> None:
    await notifier.subscribe_and_confirm("public@example.org")
    await notifier.follow("lead@cdps.example", "lead")
    await notifier.follow("ours@council.example", "partner", partner_id=OURS)
    await notifier.follow("theirs@board.example", "partner", partner_id=THEIRS)
    partner = PartnerSnapshot(slug="gwynedd", name_en="Gwynedd Council", name_cy="Cyngor Gwynedd",
                              kind="local_authority", website=None, active=True)  # fmt: skip
    await notifier.publish(PartnerRegistered(partner=partner), aggregate_id=OURS)
    cases = {
        "public": (health_changed("public", OURS, "Open"), OURS),
        "partner": (health_changed("partner", OURS, "Shared"), OURS),
        "internal": (health_changed("internal", OURS, "Internal"), OURS),
        "engagement": (EngagementRecorded(partner_id=OURS, project_id=None, kind="advice", summary_en="Advice",
                                          summary_cy="Cyngor", started_on=dt.date(2025, 1, 6), ended_on=None), OURS),
        "support": (SupportRequested(organisation="Cyngor", contact_name="Jo", contact_email="jo@example.org",
                                     language="cy", need=Bilingual(en="Help"), urgency="low"), None),
    }  # fmt: skip
    events = {name: await notifier.publish(data, partner_id=partner) for name, (data, partner) in cases.items()}
    await notifier.applied()
    everyone = {"public@example.org", "lead@cdps.example", "ours@council.example", "theirs@board.example"}
    expected = {
        "public": everyone,
        "partner": {"lead@cdps.example", "ours@council.example"},
        "internal": {"lead@cdps.example"},
        "engagement": {"lead@cdps.example"},
        "support": {"lead@cdps.example"},
    }
    for name, event in events.items():
        assert {d["recipient"] for d in await notifier.deliveries(event_id=event.id)} == expected[name], name
    await notifier.settled()
    public_subjects = [str(r.message["Subject"]) for r in notifier.smtp.to("public@example.org")]
    assert not any("Shared" in s or "Internal" in s for s in public_subjects)
    # Emails name the partner, as its own events last described it.
    [open_news] = [r for r in notifier.smtp.to("public@example.org") if "Open" in str(r.message["Subject"])]
    assert "Partner: Cyngor Gwynedd" in open_news.text() and "Partner: Gwynedd Council" in open_news.text()


async def test_a_support_outcome_goes_to_the_person_who_asked_in_their_language_and_to_nobody_else(
    notifier: Notifier,
) -> None:
    await notifier.follow("lead@cdps.example", "lead")
    request = uuid.uuid4()
    await notifier.publish(SupportRequested(organisation="Cyngor Gwynedd", contact_name="Siân", language="cy",
                                            contact_email="Sian@Gwynedd.example", need=Bilingual(en="Help"), urgency="high"),
                           aggregate_id=request)  # fmt: skip
    await notifier.publish(SupportTriaged(outcome="declined", reason=Bilingual(cy="Dim capasiti"), engagement_id=None),
                           aggregate_id=request, seq=2)  # fmt: skip

    async def outcome() -> list[Received]:  # after the acknowledgement of the request
        return [
            r
            for r in notifier.smtp.to("sian@gwynedd.example")
            if r.message["Subject"] == "Eich cais am gymorth gan CDPS"
        ]

    [reply] = await eventually(outcome)
    assert "Annwyl Siân" in reply.text() and "Dim capasiti" in reply.text() and "Dear" not in reply.text()
    assert "List-Unsubscribe" in reply.message  # it stops every email to the address
    await notifier.applied()
    triaged = [d for d in await notifier.deliveries() if d["event_type"] == "portfolio.support.triaged"]
    assert [d["recipient"] for d in triaged] == ["sian@gwynedd.example"]
    # The contact was only kept until the reply was recorded.
    assert await notifier.pool.fetchval("SELECT count(*) FROM support_contacts") == 0


async def test_whoever_asks_for_support_is_told_at_once_in_their_language_what_they_asked_and_opted_in_staff_too(
    notifier: Notifier,
) -> None:
    await notifier.follow("lead@cdps.example", "lead")  # opted in: follows the portfolio from their account
    await notifier.follow("other@cdps.example", "lead", target_kind="project", target_id=str(uuid.uuid4()))
    need = "Mae ein rhestr aros am randiroedd ar bapur.\nSut allwn ni ei symud ar-lein?"
    request = SupportRequested(
        organisation="Cyngor Tref Aberaeron", contact_name="Nia Jones", contact_email="Nia@Aberaeron.example",
        language="cy", need=Bilingual(en=need), urgency="medium")  # fmt: skip
    requested = await notifier.publish(request)
    acknowledgement = await eventually(lambda: first(notifier.smtp.to("nia@aberaeron.example")))
    assert acknowledgement.message["Subject"] == "Mae eich cais am gymorth gennym"
    text = acknowledgement.text()
    assert "Annwyl Nia Jones" in text and need.replace("\n", "\r\n") in text and "Canolig" in text
    assert "Dear" not in text
    assert need.splitlines()[0] in acknowledgement.html()
    notice = await eventually(lambda: first(notifier.smtp.to("lead@cdps.example")))
    assert "Cyngor Tref Aberaeron" in str(notice.message["Subject"]) and "Nia@Aberaeron.example" in notice.text()
    await notifier.applied()
    await notifier.settled()
    assert notifier.smtp.to("other@cdps.example") == []  # staff who did not opt in hear nothing
    await notifier.publish(request, envelope=requested, msg_id="delivered again")  # a redelivery adds nothing
    await notifier.applied()
    await notifier.settled()
    assert len(notifier.smtp.to("nia@aberaeron.example")) == 1
