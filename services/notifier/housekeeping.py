"""Housekeeping: the rows the notifier keeps only until they expire are deleted on a schedule.

Today that is the public sign-ups nobody confirmed (their confirmation link has expired, so the
address never consented and is forgotten) and the expired Idempotency-Keys of the API's POSTs; and
the emails held for their Welsh too long (``Options.welsh_hold``) go as they are, as every held one
does at start when the installation no longer asks for Welsh before publishing. Every replica may
run this; each statement is idempotent.
"""

from __future__ import annotations

import datetime as dt

from services.notifier import store
from services.notifier.config import Options
from shared import idempotency
from shared.logs import get_logger
from shared.service import Runtime
from shared.supervision import Health, repeat

log = get_logger(__name__)


async def run_housekeeping(runtime: Runtime, options: Options, health: Health) -> None:
    if runtime.settings.welsh_before_publishing == "optional":
        # Settings are read at start: an installation that has just stopped asking for Welsh first
        # lets what it held go now, not a week after it was held.
        async with runtime.pool.acquire() as conn:
            released = await store.release_overdue(conn, dt.timedelta())
        if released:
            log.info("emails held for their Welsh sent without it", count=released)

    async def sweep() -> None:
        async with runtime.pool.acquire() as conn:
            forgotten = await store.forget_unconfirmed(conn, options.confirm_lifetime)
            keys = await idempotency.forget_expired(conn)
            overdue = await store.release_overdue(conn, options.welsh_hold)
        if forgotten:
            log.info("unconfirmed sign-ups forgotten", count=forgotten)
        if keys:
            log.info("expired idempotency keys deleted", count=keys)
        if overdue:
            log.info("emails held for their Welsh sent without it", count=overdue)

    await repeat(sweep, health, runtime.stop, options.housekeeping_seconds)
