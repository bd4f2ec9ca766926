"""The web schema forgets what can no longer be used: expired sign-in links, sessions past their
timeouts and spent rate-limit counts are deleted on a schedule, and a database error only delays it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY

from tests.helpers import eventually
from tests.web.conftest import Web
from web import accounts, housekeeping

if TYPE_CHECKING:
    from shared.db import Conn


def failed_passes() -> float:
    return REGISTRY.get_sample_value("cdps_web_housekeeping_failures_total") or 0.0


async def some_of_everything(conn: Conn) -> tuple[accounts.Account, str, str]:
    """Expired and live rows of each kind; returns (account, live link, live session)."""
    account = await accounts.add_account(conn, email="nia@cdps.example", role="lead")
    expired_link = await accounts.create_signin_link(conn, account)
    await conn.execute("UPDATE signin_links SET expires_at = now() - interval '1 minute'")
    live_link = await accounts.create_signin_link(conn, account)
    await accounts.start_session(conn, account)
    await conn.execute("UPDATE sessions SET last_seen_at = now() - $1::interval - interval '1 minute'",
                       accounts.SESSION_IDLE)  # fmt: skip
    await accounts.start_session(conn, account)
    await conn.execute("UPDATE sessions SET created_at = now() - $1::interval - interval '1 minute' "
                       "WHERE last_seen_at > now() - interval '1 minute'", accounts.SESSION_ABSOLUTE)  # fmt: skip
    live_session = await accounts.start_session(conn, account)
    await conn.execute("INSERT INTO rate_limits (key, window_start, hits) VALUES ('signin:old', now() - $1::interval "
                       "- interval '1 hour', 3)", accounts.LONGEST_RATE_WINDOW)  # fmt: skip
    await accounts.hit_rate_limit(conn, "signin:now", limit=5, window=dt.timedelta(minutes=15))
    assert expired_link != live_link
    return account, live_link, live_session


async def test_a_sweep_deletes_expired_links_old_sessions_and_spent_rate_limits_and_keeps_the_rest(web: Web) -> None:
    async with web.runtime.pool.acquire() as conn:
        account, live_link, live_session = await some_of_everything(conn)
        deleted = await housekeeping.sweep(web.runtime)
        assert deleted == {"signin_links": 1, "sessions": 2, "rate_limits": 1}
        assert await conn.fetchval("SELECT array_agg(key) FROM rate_limits") == ["signin:now"]
        assert (await accounts.session_account(conn, live_session)) == account
        assert (await accounts.redeem_signin_link(conn, live_link)) == accounts.SigninLink(
            account=account, destination="/"
        )
        assert await housekeeping.sweep(web.runtime) == {"signin_links": 0, "sessions": 0, "rate_limits": 0}


async def test_housekeeping_keeps_running_through_a_database_error_and_catches_up(web: Web) -> None:
    failures = failed_passes()
    async with web.runtime.pool.acquire() as conn:
        await some_of_everything(conn)
        await conn.execute("ALTER TABLE rate_limits RENAME TO rate_limits_away")  # every pass now fails
        task = asyncio.create_task(housekeeping.run_housekeeping(web.runtime, every=0.05))
        try:
            await eventually(lambda: asyncio.sleep(0, failed_passes() >= failures + 2))
            assert not task.done()  # logged, counted and tried again: not ended
            await conn.execute("ALTER TABLE rate_limits_away RENAME TO rate_limits")
            await eventually(lambda: conn.fetchval("SELECT count(*) = 1 FROM rate_limits"))
            assert await conn.fetchval("SELECT count(*) FROM sessions") == 1
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
