"""The bilingual demo portfolio that `cdps run` loads on first start."""

from __future__ import annotations

import asyncpg

from services.portfolio import store
from services.portfolio.domain import NewProject
from shared.db import init_connection
from shared.events import Actor

DEMO_LEAD = Actor(id="demo-lead", role="lead")

PROJECTS = [
    NewProject(
        slug="wra-digital-tax-returns",
        title_en="Digital land transaction tax returns",
        title_cy="Ffurflenni treth trafodiadau tir digidol",
        summary_en="Making it simpler for solicitors to file land transaction tax returns online.",
        summary_cy="Ei gwneud yn symlach i gyfreithwyr gyflwyno ffurflenni treth trafodiadau tir ar-lein.",
        phase="beta",
        tags=["forms", "shared-platforms"],
    ),
    NewProject(
        slug="wlga-schools-mis-discovery",
        title_en="Schools management information system discovery",
        title_cy="Darganfod system gwybodaeth reoli ysgolion",
        summary_en="Understanding what schools in Wales need from their next management information system.",
        summary_cy="Deall beth sydd ei angen ar ysgolion yng Nghymru o'u system gwybodaeth reoli nesaf.",
        phase="discovery",
        tags=["procurement", "shared-platforms"],
    ),
    NewProject(
        slug="nhs-wales-appointments",
        title_en="Booking hospital appointments in Cardiff",
        title_cy="Trefnu apwyntiadau ysbyty yng Nghaerdydd",
        summary_en="Letting patients choose and change outpatient appointments online.",
        summary_cy="Gadael i gleifion ddewis a newid apwyntiadau cleifion allanol ar-lein.",
        phase="alpha",
        tags=["shared-functionality"],
    ),
]


async def seed_demo(dsn: str) -> int:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "portfolio,public"})
    await init_connection(conn)
    try:
        for project in PROJECTS:
            try:
                await store.create_project(conn, project, DEMO_LEAD)
            except store.SlugTaken:
                continue  # already loaded
    finally:
        await conn.close()
    return len(PROJECTS)
