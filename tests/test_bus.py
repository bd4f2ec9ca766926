"""NATS_URL may list every node of a cluster: a service connects through whichever nodes answer."""

from __future__ import annotations

import msgspec

from cdps.embedded import free_port
from shared.service import start_runtime, stop_runtime
from shared.settings import Settings


async def test_a_service_starts_when_one_listed_nats_server_is_down(settings: Settings) -> None:
    down = f"nats://127.0.0.1:{free_port()}"
    for listed in (f"{down},{settings.nats_url}", f"{settings.nats_url}, {down}"):
        runtime = await start_runtime("search", msgspec.structs.replace(settings, nats_url=listed), None)
        try:
            assert runtime.nc.is_connected
            assert runtime.nc.connected_url is not None and runtime.nc.connected_url.port != int(down.rsplit(":", 1)[1])
            assert len(runtime.nc.servers) == 2  # both are kept for reconnecting
        finally:
            await stop_runtime(runtime, [])
