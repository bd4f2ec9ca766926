"""The request context of every service's writes is resolved one dependency at a time: the caller,
the version it sent (If-Match), then the pooled connection.

Litestar resolves the dependencies of one round together in an anyio task group (a task each),
which cost a phase change about 5% of its CPU when the caller and the version shared a round; and
the connection must come last, so that a refused If-Match never leaves one taken (Litestar does not
close a dependency's generator when a later round fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.routes import HTTPRoute

from cdps.services import SERVICES, Service
from shared.settings import Settings


@pytest.mark.parametrize("service", [s for s in SERVICES if s.name != "web"], ids=lambda s: s.name)
def test_a_handler_taking_a_version_resolves_caller_version_and_connection_one_at_a_time(
    service: Service, tmp_path: Path
) -> None:
    app = service.create_app(Settings(secret_key="context", data_dir=tmp_path))
    rounds = [
        (str(handler), [sorted(d.key for d in batch) for batch in kwargs_model.dependency_batches])
        for route in app.routes if isinstance(route, HTTPRoute)
        for handler, kwargs_model in route.route_handler_map.values()
        if any(d.key == "expected_version" for batch in kwargs_model.dependency_batches for d in batch)
    ]  # fmt: skip
    if service.name == "search":
        assert rounds == []  # search changes nothing under If-Match
        return
    assert rounds, f"{service.name} has no handler that takes a version: the test would prove nothing"
    for handler, batches in rounds:
        assert all(len(batch) == 1 for batch in batches), (handler, batches)
        keys = [batch[0] for batch in batches]
        if "conn" in keys:
            assert keys.index("identity") < keys.index("expected_version") < keys.index("conn"), (handler, keys)
