"""A service's log is in one format from its first line to its last: with CDPS_LOG_FORMAT=json
(as the container image and compose.yaml run it) every line is a JSON object with its level and
event, the web server's and the libraries' lines included, so a log shipper reading JSON lines
never meets a plain one."""

from __future__ import annotations

import json

from tests.webhooks.conftest import Served


async def test_every_line_a_service_logs_is_a_json_object_when_json_is_asked_for(served: Served) -> None:
    await served.start()
    [process] = served.processes
    process.terminate()
    process.wait(timeout=30)
    lines = (served.logs / "webhooks-0.log").read_text().splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    assert all(record.get("level") and record.get("event") for record in records), records
    assert any(record.get("logger", "").startswith("uvicorn") for record in records), "the server's own lines"
    assert any(record.get("service") == "webhooks" for record in records)
