"""What `cdps run` keeps in memory idle (issue 25: the whole stack under 400 MB): each service
process holds no library it only needs now and then, and the embedded PostgreSQL is sized for the
connections the services can open, not as a server of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import asyncpg

from cdps.devstack import LISTENERS_PER_SERVICE, dev_postgres
from cdps.services import NAMES
from shared.db import POOL_MAX_SIZE

ROOT = Path(__file__).parent.parent
LOADED = """
import sys
from pathlib import Path
from cdps.serving import app_for
from shared.settings import Settings
settings = Settings(secret_key="x" * 40, data_dir=Path(sys.argv[2]), database_url="postgresql://x@127.0.0.1:1/x",
                    nats_url="nats://127.0.0.1:1")
app_for(sys.argv[1], settings)
print(" ".join(name for name in ("pydantic", "xlsxwriter") if sys.modules.get(name) is not None))
"""


def test_a_service_loads_neither_pydantic_nor_the_spreadsheet_writer_it_does_not_use_idle(tmp_path: Path) -> None:
    # pydantic is in the development install only (Litestar would load its plugins for it); the
    # XLSX writer is wanted only when someone exports.
    for name in NAMES:
        run = subprocess.run([sys.executable, "-c", LOADED, name, str(tmp_path)], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.stdout.strip() == "", f"{name} loaded {run.stdout.strip()}"


async def test_the_postgresql_of_cdps_run_has_a_small_cache_and_room_for_every_services_connections(
    tmp_path: Path,
) -> None:
    postgres = dev_postgres(tmp_path / "postgres")
    postgres.start()
    try:
        conn = await asyncpg.connect(postgres.dsn)
        try:
            buffers = int(
                await conn.fetchval("SELECT setting::bigint * 8 / 1024 FROM pg_settings WHERE name = 'shared_buffers'")
            )
            connections = int(await conn.fetchval("SHOW max_connections"))
            reserved = int(await conn.fetchval("SHOW superuser_reserved_connections"))
        finally:
            await conn.close()
    finally:
        postgres.stop()
    assert buffers <= 64
    opened = len(NAMES) * (POOL_MAX_SIZE + LISTENERS_PER_SERVICE)
    assert opened + 10 <= connections - reserved <= 2 * opened  # commands and a reindex fit beside them
