"""Answer ``accounts.emailable`` requests: the addresses and languages of the people on the other side
of a project's conversation (the notifier), or of every active admin (the webhooks service, when an
endpoint turns itself off); shared/replies/accounts.py, from the web's accounts.

A queue group, so each web replica answers some. A request that fails is not answered, so the
asker holds its event (or alert) and asks again, as it does while PostgreSQL is away."""

from __future__ import annotations

import contextlib

import msgspec
import nats.errors
from nats.aio.msg import Msg

from shared.logs import get_logger
from shared.replies.accounts import ACCOUNTS_SUBJECT, AccountsAnswer, AccountsQuery
from shared.service import Runtime
from shared.supervision import Health
from web import accounts

log = get_logger(__name__)


async def run_responder(runtime: Runtime, health: Health) -> None:
    async def answer(msg: Msg) -> None:
        try:
            query = msgspec.json.decode(msg.data, type=AccountsQuery)
            async with runtime.pool.acquire() as conn:
                found = await accounts.emailable(conn, query.partner_id, query.ids, admins=query.admins)
            reply = msgspec.json.encode(AccountsAnswer(accounts=found))
        except (msgspec.ValidationError, msgspec.DecodeError):
            reply = msgspec.json.encode({"error": "not an accounts query"})
        except Exception as exc:  # PostgreSQL away: no answer, and the notifier holds its event
            log.warning("accounts lookup failed", error=repr(exc))
            return
        with contextlib.suppress(nats.errors.Error):
            await msg.respond(reply)
        health.progress()

    subscription = await runtime.nc.subscribe(runtime.settings.subject_for(ACCOUNTS_SUBJECT), queue="web", cb=answer)
    try:
        await runtime.stop.wait()
    finally:
        with contextlib.suppress(nats.errors.Error):
            await subscription.unsubscribe()
