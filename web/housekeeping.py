"""The web's scheduled housekeeping: expired sign-in links, old sessions and spent rate-limit counts
are deleted every few minutes, so the web schema holds only what can still be used.

Every replica runs it; the deletes are idempotent, so replicas racing each other do no harm. A
database that is down, or any other failure, is logged and counted, and the next pass tries again:
the task never stops while the service runs.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from prometheus_client import Counter

from shared.logs import get_logger
from shared.service import Runtime
from web import accounts

log = get_logger(__name__)

EVERY_SECONDS = 300.0
DELETED = Counter("cdps_web_expired_rows_deleted", "Expired rows the web's housekeeping deleted", ["table"])
FAILED = Counter("cdps_web_housekeeping_failures", "Housekeeping passes that failed (and were retried)")


async def sweep(runtime: Runtime) -> dict[str, int]:
    async with runtime.pool.acquire() as conn:
        deleted = await accounts.delete_expired(conn)
    for table, count in deleted.items():
        DELETED.labels(table).inc(count)
    if any(deleted.values()):
        log.info("expired rows deleted", **deleted)
    return deleted


async def run_housekeeping(runtime: Runtime, every: float = EVERY_SECONDS) -> None:
    """A pass every ``every`` seconds (the first one after a wait: replicas starting together do not all
    sweep at once, and nothing expires faster than that matters), until the service stops."""
    while not await stopped(runtime, every):
        try:
            await sweep(runtime)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            FAILED.inc()
            log.warning("housekeeping paused", error=repr(exc), retry_in=every)
        except Exception as exc:  # a bug must not silently end housekeeping: logged, and tried again
            FAILED.inc()
            log.exception("housekeeping failed", error=repr(exc), retry_in=every)


async def stopped(runtime: Runtime, within: float) -> bool:
    """Wait up to ``within`` seconds for the service to stop; True if it did."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(runtime.stop.wait(), within)
    return runtime.stop.is_set()
