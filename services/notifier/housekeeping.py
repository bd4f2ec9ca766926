"""Housekeeping: the rows the notifier keeps only until they expire are deleted on a schedule.

Today that is the public sign-ups nobody confirmed (their confirmation link has expired, so the
address never consented and is forgotten) and the expired Idempotency-Keys of the API's POSTs; and
the emails held for their Welsh too long (``Options.welsh_hold``, or at once when the installation no
longer asks for Welsh before publishing) go as they are. Every replica may run this; each statement
is idempotent.
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
    async def sweep() -> None:
        async with runtime.pool.acquire() as conn:
            forgotten = await store.forget_unconfirmed(conn, options.confirm_lifetime)
            keys = await idempotency.forget_expired(conn)
            waiting = options.welsh_hold if runtime.settings.welsh_before_publishing == "required" else dt.timedelta()
            overdue = await store.release_overdue(conn, waiting)
        if forgotten:
            log.info("unconfirmed sign-ups forgotten", count=forgotten)
        if keys:
            log.info("expired idempotency keys deleted", count=keys)
        if overdue:
            log.info("emails held for their Welsh sent without it", count=overdue)

    await repeat(sweep, health, runtime.stop, options.housekeeping_seconds)
