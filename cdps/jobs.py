"""Long CLI jobs with a progress bar: CSV import (`cdps import`), search rebuild (`cdps search reindex`)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from cdps.services import service
from cdps.serving import preflight
from shared import db
from shared.events import Actor
from shared.service import start_runtime, stop_runtime
from shared.settings import ConfigError, Settings


async def import_with_progress(dsn: str, kind: str, path: Path) -> int:
    from services.portfolio import importer

    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    await db.migrate(dsn, "portfolio", service("portfolio").migrations)
    pool = await db.create_pool(dsn, "portfolio")
    try:
        with Progress("{task.description}", BarColumn(), MofNCompleteColumn()) as bar:
            task = bar.add_task(f"Importing {kind}", total=None)
            async with pool.acquire() as conn:
                count = await importer.import_rows(
                    conn, kind, text, Actor(id="cli-import", role="admin"),
                    lambda done, total: bar.update(task, completed=done, total=total),
                )  # fmt: skip
    except importer.Rejected as rejected:
        print(f"{rejected.message_en} / {rejected.message_cy}", file=sys.stderr)
        for error in rejected.errors:
            print(f"  line {error.line}, {error.field}: {error.message_en} / {error.message_cy}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(f"imported {count} {kind}")
    return 0


async def reindex_with_progress(settings: Settings) -> None:
    from services.search.reindex import reindex

    await preflight(settings)
    runtime = await start_runtime("search", settings, service("search").migrations)
    try:
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns) as bar:
            task = bar.add_task("Rebuilding the search index", total=None)
            up_to = await reindex(runtime, lambda done, total: bar.update(task, completed=done, total=total))
        print(f"search index rebuilt up to stream sequence {up_to}")
    finally:
        await stop_runtime(runtime, [])
