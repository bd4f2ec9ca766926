"""The search service: a read model of the stream and the query API over it."""

from __future__ import annotations

import gc
from pathlib import Path

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from services.search.api import lag, search
from services.search.consumer import CONSUMER, apply_read, read_indexed
from services.search.reindex import APPLY_LOCK, RARE_COLLECTIONS, rebuild_if_outdated
from services.search.welsh import analyser
from shared import db
from shared.consumer import EventConsumer, ReadAs
from shared.http import EXCEPTION_HANDLERS
from shared.inputs import check_input
from shared.requests import REQUEST_CONTEXT, version_before_connection
from shared.service import OPERATIONS, Job, Runtime, lifespan
from shared.settings import Settings
from shared.supervision import Health

MIGRATIONS = db.Migrations(Path(__file__).parent / "migrations", shared=("consumer",))


async def run_indexer(runtime: Runtime, health: Health) -> None:
    consumer = EventConsumer(
        name=CONSUMER,
        pool=runtime.pool,
        js=runtime.js,
        settings=runtime.settings,
        handler=ReadAs(read_indexed, apply_read),
        lock_key=APPLY_LOCK,
        # A batch is written in a few statements whatever its size and each record once per batch, so
        # larger batches catch up faster (measured by make bench: live indexing of 100,000 events);
        # a fetch returns what is there at once, so a quiet stream is indexed event by event as before.
        batch_size=5_000,
        health=health,
    )
    await consumer.run(runtime.stop)


INDEXER = Job("consumer", run_indexer, uses_stream=True)
REBUILD_IF_OUTDATED = Job("rebuild", lambda runtime, _health: rebuild_if_outdated(runtime), uses_stream=True, once=True)


def create_app(settings: Settings) -> Litestar:
    analyser()  # the Welsh dictionary is read once, before the first event or query needs it
    # The live indexer, like the rebuild, keeps two batches of 5,000 events alive while it allocates
    # millions of short-lived objects, and at the default threshold the cyclic garbage collector
    # walks them again and again: half of the indexer's Python time on a batch (measured on 60,000
    # events). Reference counting still frees everything at once; only the cycle search runs less
    # often. Set for the whole process, here, before any job starts: the rebuild's own setting then
    # restores this one.
    gc.set_threshold(RARE_COLLECTIONS, *gc.get_threshold()[1:])
    return Litestar(
        route_handlers=[search, lag, *OPERATIONS],
        dependencies=REQUEST_CONTEXT,
        on_app_init=[version_before_connection],
        lifespan=[lifespan("search", settings, MIGRATIONS, background=[INDEXER, REBUILD_IF_OUTDATED])],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,  # every record is rendered by shared/logs.py
        before_request=check_input,
        openapi_config=OpenAPIConfig(title="CDPS search", version="1.0.0", path="/api/v1/schema"),
    )
