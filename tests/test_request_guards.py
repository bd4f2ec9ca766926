"""Every guard of every service and of the web is a coroutine function (search has no guards: it
filters what each caller may see instead).

Litestar runs a plain ``def`` guard in a worker thread (``ensure_async_callable`` wraps it in
``sync_to_thread``): a thread hop per request, on every write path, for a check that does no I/O.
The profile of the phase-change benchmark showed those hops; an ``async def`` guard runs on the
event loop.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from litestar.handlers import BaseRouteHandler
from litestar.routes import HTTPRoute

from cdps.services import SERVICES, Service
from shared.settings import Settings


def guards_of(handler: BaseRouteHandler) -> list[object]:
    """The guards the handler runs, from every layer above it (app, router, controller) and its own."""
    return [guard for layer in handler.ownership_layers for guard in (layer.guards or [])]


@pytest.mark.parametrize("service", [s for s in SERVICES if s.name != "search"], ids=lambda s: s.name)
def test_no_guard_runs_in_a_worker_thread(service: Service, tmp_path: Path) -> None:
    app = service.create_app(Settings(secret_key="guards", data_dir=tmp_path))
    handlers = [h for route in app.routes if isinstance(route, HTTPRoute) for h in route.route_handlers]
    guarded = {guard for handler in handlers for guard in guards_of(handler)}

    assert guarded, f"{service.name} has no guarded route: the test would prove nothing"
    in_threads = sorted(f"{g.__module__}.{g.__qualname__}" for g in guarded if not inspect.iscoroutinefunction(g))  # type: ignore[attr-defined]
    assert not in_threads, in_threads
