"""An endpoint's alert is recorded per admin: when one admin's mail server refuses it, that admin
alone is tried again, and the admins already told are never told twice (issue 24)."""

from __future__ import annotations

import uuid
from typing import TypeVar

import asyncpg
import msgspec

from shared.settings import Settings
from tests.helpers import eventually
from tests.notifier.conftest import Smtp
from tests.web.conftest import serving
from tests.webhooks.conftest import Receiver, running
from tests.webhooks.test_delivery import project
from web import accounts

T = TypeVar("T")


async def test_an_admin_whose_server_refuses_the_alert_is_tried_again_alone_and_nobody_is_told_twice(
    settings: Settings, receiver: Receiver
) -> None:
    smtp = Smtp()
    smtp.start()
    try:
        with_mail = msgspec.structs.replace(settings, smtp_url=smtp.url)
        async with serving(with_mail) as web, running(with_mail) as webhooks:
            async with web.runtime.pool.acquire() as conn:
                refused = await accounts.add_account(conn, email="refused@cdps.example", role="admin", language="cy")
                told = await accounts.add_account(conn, email="told@cdps.example", role="admin", language="en")
            smtp.rcpt_replies[refused.email] = "550 Mailbox unavailable"
            endpoint = await webhooks.register(receiver.url(), description="Tracker")
            receiver.answers.append(410)
            await webhooks.publish(project())

            async def tried(address: str) -> asyncpg.Record | None:
                row: asyncpg.Record | None = await webhooks.pool.fetchrow(
                    "SELECT * FROM alerts WHERE endpoint_id = $1 AND recipient = $2 AND attempts > 0",
                    uuid.UUID(endpoint["id"]), address,
                )  # fmt: skip
                return row

            await eventually(lambda: tried(refused.email), timeout=30)
            [sent] = await eventually(lambda: _some(smtp.to(told.email)), timeout=30)
            assert str(sent.message["Subject"]) == "Webhook turned off: Tracker"
            first = await tried(refused.email)
            assert first is not None and first["sent_at"] is None and "Mailbox unavailable" in first["last_error"]

            del smtp.rcpt_replies[refused.email]  # its server takes mail again; its retry is due now
            await webhooks.pool.execute("UPDATE alerts SET next_attempt = now() WHERE id = $1", first["id"])
            [again] = await eventually(lambda: _some(smtp.to(refused.email)), timeout=30)
            assert str(again.message["Subject"]) == "Gwe-fachyn wedi'i ddiffodd: Tracker"

            async def all_sent() -> list[asyncpg.Record] | None:
                # The sender records an alert as sent once the SMTP server has taken it: just after the
                # message arrives here, not before.
                rows = await webhooks.pool.fetch(
                    "SELECT recipient, sent_at, attempts FROM alerts WHERE endpoint_id = $1", uuid.UUID(endpoint["id"])
                )
                return rows if all(r["sent_at"] is not None for r in rows) else None

            rows = await eventually(all_sent, timeout=30)
            assert sorted((r["recipient"], r["attempts"]) for r in rows) == [(refused.email, 2), (told.email, 1)]
            assert len(smtp.to(told.email)) == 1 and len(smtp.to(refused.email)) == 1
    finally:
        smtp.stop()


async def _some(items: list[T]) -> list[T] | None:
    return items or None
