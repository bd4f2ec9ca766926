"""CDPS_WELSH_BEFORE_PUBLISHING=required holds emails as it holds weeknotes (issue 21): an email about
text people wrote in English only waits, for every reader alike, until its Welsh is filled in on
Missing translations; the translation's event completes the email and it goes, in both languages. One
nobody translates goes after the hold (``Options.welsh_hold``) with its English marked, and every
held email goes once the notifier starts without the installation asking for Welsh first."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest

from services.notifier.domain import lacks_welsh
from shared.bilingual import Bilingual
from shared.events import (
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectPhaseReasonTranslated,
    ProjectUpdatePosted,
    ProjectUpdateTranslated,
)
from shared.settings import Settings
from tests.helpers import eventually, snapshot
from tests.notifier.conftest import Notifier, Smtp, first, running

PROJECT = uuid.UUID("5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b")


@pytest.fixture
async def holding(settings: Settings, smtp: Smtp) -> AsyncIterator[Notifier]:
    async with running(msgspec.structs.replace(settings, welsh_before_publishing="required"), smtp) as started:
        yield started


def update(update_id: uuid.UUID, *, en: str, cy: str = "") -> ProjectUpdatePosted:
    return ProjectUpdatePosted(project=snapshot(title_en="Bin days", title_cy="Diwrnodau biniau"),
                               update_id=update_id, posted_on=dt.date(2026, 3, 2), body_en=en, body_cy=cy)  # fmt: skip


async def statuses(notifier: Notifier, event_id: uuid.UUID) -> list[str]:
    return [d["status"] for d in await notifier.deliveries(event_id=event_id)]


async def test_an_update_in_english_only_is_emailed_once_its_welsh_is_filled_in(holding: Notifier) -> None:
    reader = f"gwyn-{uuid.uuid4().hex[:6]}@example.org"
    await holding.follow(reader, language="both")
    english_only = uuid.uuid4()
    held = await holding.publish(update(english_only, en="Collections move to Tuesdays"), aggregate_id=PROJECT)
    both = await holding.publish(update(uuid.uuid4(), en="New bins arrive", cy="Biniau newydd yn cyrraedd"),
                                 aggregate_id=PROJECT, seq=2)  # fmt: skip
    sent = await eventually(lambda: first(holding.smtp.to(reader)))
    assert "Biniau newydd yn cyrraedd" in sent.text() and len(holding.smtp.to(reader)) == 1
    assert await statuses(holding, held.id) == ["held"] and await statuses(holding, both.id) != ["held"]

    await holding.publish(ProjectUpdateTranslated(
        project=snapshot(), update_id=english_only, lang="cy", body_en="Collections move to Tuesdays",
        body_cy="Mae casgliadau'n symud i ddydd Mawrth"), aggregate_id=PROJECT, seq=3)  # fmt: skip

    async def two() -> bool:
        return len(holding.smtp.to(reader)) == 2

    await eventually(two)
    released = holding.smtp.to(reader)[1].text()
    assert "Mae casgliadau'n symud i ddydd Mawrth" in released and "Collections move to Tuesdays" in released
    assert released.index("Mae casgliadau") < released.index("Collections move")  # Welsh first


async def test_a_phase_changes_english_only_reason_holds_its_email_until_the_reason_is_translated(
    holding: Notifier,
) -> None:
    reader = f"elen-{uuid.uuid4().hex[:6]}@example.org"
    await holding.follow(reader, language="cy")
    changed = await holding.publish(ProjectPhaseChanged(
        project=snapshot(phase="discovery"), kind="go_back", from_phase="alpha", to_phase="discovery",
        from_state="active", to_state="active", effective=dt.date(2026, 3, 3),
        reason=Bilingual(en="The users' needs were not understood")), aggregate_id=PROJECT)  # fmt: skip
    await holding.applied()
    assert await statuses(holding, changed.id) == ["held"] and holding.smtp.to(reader) == []
    await holding.publish(ProjectPhaseReasonTranslated(
        project=snapshot(phase="discovery"), phase_change_id=changed.id, phase_change_seq=1, lang="cy",
        reason=Bilingual(en="The users' needs were not understood", cy="Ni ddeallwyd anghenion y defnyddwyr")),
        aggregate_id=PROJECT, seq=2)  # fmt: skip
    email = await eventually(lambda: first(holding.smtp.to(reader)))
    assert "Ni ddeallwyd anghenion y defnyddwyr" in email.text()
    assert "The users' needs" not in email.text()  # a Welsh reader's email, now wholly Welsh


async def test_an_email_nobody_translates_goes_after_the_hold_with_its_english_only_text_marked(
    settings: Settings, smtp: Smtp,
) -> None:  # fmt: skip
    required = msgspec.structs.replace(settings, welsh_before_publishing="required")
    async with running(required, smtp, housekeeping_seconds=0.05) as holding:
        reader = f"siwan-{uuid.uuid4().hex[:6]}@example.org"
        await holding.follow(reader, language="cy")
        held = await holding.publish(update(uuid.uuid4(), en="Collections move to Tuesdays"), aggregate_id=PROJECT)
        await holding.applied()
        assert await statuses(holding, held.id) == ["held"]  # within the week's hold

        # A week and a day later, as far as the email knows.
        await holding.pool.execute("UPDATE deliveries SET created_at = now() - interval '8 days' WHERE event_id = $1",
                                   held.id)  # fmt: skip
        email = await eventually(lambda: first(holding.smtp.to(reader)))
        assert "Collections move to Tuesdays" in email.text() and "(Yn Saesneg yn unig)" in email.text()


async def test_held_emails_go_once_the_notifier_starts_no_longer_asking_for_welsh_first(
    settings: Settings, smtp: Smtp,
) -> None:  # fmt: skip
    reader = f"owain-{uuid.uuid4().hex[:6]}@example.org"
    async with running(msgspec.structs.replace(settings, welsh_before_publishing="required"), smtp) as holding:
        await holding.follow(reader, language="en")
        held = await holding.publish(update(uuid.uuid4(), en="Bags are collected too"), aggregate_id=PROJECT)
        await holding.applied()
        assert await statuses(holding, held.id) == ["held"]
    async with running(settings, smtp) as optional:  # the settings are read at start
        email = await eventually(lambda: first(optional.smtp.to(reader)))
        assert "Bags are collected too" in email.text()


@pytest.mark.parametrize(
    ("event", "lacks"),
    [
        (update(uuid.uuid4(), en="Only English"), True),
        (update(uuid.uuid4(), en="", cy="Cymraeg yn unig"), False),
        (update(uuid.uuid4(), en="Both", cy="Y ddwy"), False),
        (
            ProjectHealthChanged(
                project=snapshot(), from_health="green", to_health="amber", reason=Bilingual(en="The supplier is late")
            ),
            True,
        ),
        (ProjectHealthChanged(project=snapshot(), from_health="amber", to_health="green", reason=Bilingual()), False),
    ],
)
def test_what_waits_for_welsh_is_text_people_wrote_in_english_only(event: object, lacks: bool) -> None:
    assert lacks_welsh(event) is lacks
