"""The portfolio's OpenAPI document is valid, and no request built from any service's gets a 5xx.

The contract run is schemathesis (its CLI, in a subprocess) against each real service with an
OpenAPI document (portfolio, search, notifier, webhooks), started as its own process on this test's
database and NATS namespace, with strings holding U+0000 and bodies nested hundreds deep
(tests/contract_hooks.py) among its inputs. It runs every operation
through schemathesis's phases (coverage, fuzzing, stateful) twice: as a delivery lead and
anonymously, checking ``not_a_server_error``. Requests as the lead carry ``If-Match: "1"``, so the
edits and phase changes of records the run has just created get past the 428 and reach the
database. A failure prints schemathesis's report (with a curl command and the seed to reproduce
it) and the service's log of the unhandled exception.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from openapi_spec_validator import validate

from cdps.embedded import free_port
from shared.http import EXCEPTION_HANDLERS
from shared.settings import Settings
from tests.helpers import SERVICE_START_SECONDS, asgi, auth, eventually
from tests.portfolio.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = "/api/v1/schema/openapi.json"
TODAY = dt.datetime.now(dt.UTC).date().isoformat()
MAX_EXAMPLES = {"lead": 25, "anonymous": 10}  # per operation and phase: each service's run well under a minute


async def test_the_openapi_document_is_valid(api: Api) -> None:
    response = await api.client.get(SCHEMA_PATH)

    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises, naming the offending part, if the document breaks the OpenAPI specification
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/projects/{project_id}/phase" in document["paths"]


class Service:
    def __init__(self, url: str, log: Path):
        self.url = url
        self.log = log

    def unhandled(self) -> list[str]:
        """The log lines of exceptions that reached the 500 handler."""
        return [line for line in self.log.read_text(errors="replace").splitlines() if "unhandled exception" in line]


CONTRACT_SERVICES = ("portfolio", "search", "notifier", "webhooks")
"""Every service with an OpenAPI document (the web's pages are HTML; tests/test_hostile_input.py
sends them hostile input)."""


@pytest.fixture(params=CONTRACT_SERVICES)
async def served(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> AsyncIterator[Service]:
    """One service as a real process (`cdps serve NAME`) on this test's database and NATS namespace."""
    name: str = request.param
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url or "",
        NATS_URL=settings.nats_url or "",
        CDPS_NAMESPACE=settings.namespace,
        CDPS_SECRET_KEY=settings.secret_key,
        CDPS_DATA_DIR=str(settings.data_dir),
        CDPS_LOG_FORMAT="json",
        CDPS_RELAY_POLL_SECONDS="0.2",
        **{f"CDPS_{name.upper()}_PORT": str(port)},
    )
    service = Service(f"http://127.0.0.1:{port}", tmp_path / f"{name}.log")
    with service.log.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cdps", "serve", name,
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=2) as client:

            async def ready() -> bool:
                assert process.returncode is None, f"the service exited:\n{service.log.read_text()[-3000:]}"
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            try:
                await eventually(ready, timeout=SERVICE_START_SECONDS)
            except AssertionError as slow:
                raise AssertionError(f"{name} not ready:\n{service.log.read_text()[-3000:]}") from slow
        yield service
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def schemathesis(service: Service, *, max_examples: int, headers: dict[str, str]) -> tuple[int, str]:
    """Run the schemathesis CLI against the service; (exit code, its report).

    One worker: with two, hypothesis parses the strategies' lambda sources in two threads at once,
    and CPython 3.11.7's ast module is not thread-safe there (python/cpython#106905, fixed in
    3.11.8): the run failed about one time in two with "AST constructor recursion depth mismatch".
    One worker runs the same operations, phases and examples, only one after another.
    """
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{service.url}{SCHEMA_PATH}",
        "--checks", "not_a_server_error", "--max-examples", str(max_examples), "--workers", "1",
        "--generation-database", "none", "--request-timeout", "10", "--no-color", "--generation-allow-x00", "true",
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    hooks = dict(os.environ, SCHEMATHESIS_HOOKS="tests.contract_hooks")  # bodies nested far too deep, too
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=hooks, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


@pytest.mark.parametrize("who", ["lead", "anonymous"])
async def test_no_request_built_from_a_services_openapi_document_gets_a_server_error(
    served: Service, settings: Settings, who: str
) -> None:
    headers = {**auth(settings, "lead"), "If-Match": '"1"'} if who == "lead" else {}

    code, report = await schemathesis(served, max_examples=MAX_EXAMPLES[who], headers=headers)

    unhandled = "\n".join(served.unhandled())
    assert code == 0, f"schemathesis found problems (exit code {code}):\n{report}\n\nservice log:\n{unhandled}"
    assert "passed" in report and "generated" in report, report  # it really ran cases
    assert not unhandled, f"the service logged unhandled exceptions:\n{unhandled}"


# What the contract run found (each was a 500), pinned here so each stays a 4xx naming its cause. ---


def bilingual_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["message_en"] and body["message_cy"] and body["message_en"] != body["message_cy"], body
    return body


async def test_a_nul_character_in_any_text_is_a_422_naming_the_field(api: Api) -> None:
    project = (await api.project()).json()
    lead = api.as_("lead")
    cases = [
        ("/api/v1/projects", {"slug": "nul-1", "title_en": "a", "title_cy": "b", "summary_cy": "x\x00y"}, "summary_cy"),
        ("/api/v1/projects", {"slug": "nul-2", "title_en": "a\x00", "title_cy": "b"}, "title_en"),
        ("/api/v1/people", {"name": "Ann", "email": "a\x00@example.org", "kind": "lead"}, "email"),
        ("/api/v1/support-requests", {"organisation": "Cyngor", "contact_name": "Ann", "contact_email": "a@b.cymru",
                                      "need": "Help with forms\x00"}, "need"),
        (f"/api/v1/projects/{project['id']}/phase", {"kind": "advance", "effective": TODAY, "reason": "\x00"}, "reason"),
    ]  # fmt: skip
    for path, body, field in cases:
        response = await api.client.post(path, json=body, headers={**lead, "If-Match": '"1"'})
        assert [e["field"] for e in bilingual_error(response, 422)["errors"]] == [field], (path, response.text)
    response = await api.client.get("/api/v1/projects", params={"lead": "a\x00b"}, headers=lead)
    assert [e["field"] for e in bilingual_error(response, 422)["errors"]] == ["lead"]
    assert len(await api.events()) == 1  # only the project's creation


async def test_a_token_that_is_not_ascii_is_a_401(api: Api) -> None:
    response = await api.client.get("/api/v1/projects", headers=[(b"Authorization", b"Bearer abc.d\xe9f")])
    bilingual_error(response, 401)


async def test_a_json_body_that_is_not_utf8_is_a_400(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/projects", content=b'{"slug": "ok-slug", "title_en": "caf\xe9", "title_cy": "b"}',
        headers={**api.as_("lead"), "Content-Type": "application/json"},
    )  # fmt: skip
    assert [e["field"] for e in bilingual_error(response, 400)["errors"]] == ["body"]


async def test_a_forged_cursor_whose_time_is_out_of_range_is_a_422(api: Api) -> None:
    for moment in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2025-01-01T00:00:00"):
        cursor = base64.urlsafe_b64encode(f"{moment}|{uuid.uuid4()}".encode()).decode()
        response = await api.client.get("/api/v1/projects", params={"cursor": cursor})
        assert [e["field"] for e in bilingual_error(response, 422)["errors"]] == ["cursor"], moment


@pytest.mark.parametrize("version", ["9" * 5000, "99999999999", "2147483648"])
async def test_an_etag_too_long_to_be_ours_is_a_422(api: Api, version: str) -> None:
    """Versions are PostgreSQL integers: a bigger number is no ETag of ours (and never a 500)."""
    project = (await api.project()).json()
    response = await api.client.patch(
        f"/api/v1/projects/{project['id']}", json={"title_en": "New"},
        headers={**api.as_("lead"), "If-Match": f'"{version}"'},
    )  # fmt: skip
    assert [e["field"] for e in bilingual_error(response, 422)["errors"]] == ["If-Match"]


async def test_a_csv_field_over_the_size_limit_is_a_422_naming_the_line(api: Api) -> None:
    text = "slug,name_en,name_cy,kind\nok-slug,A,B,local_authority\nbig," + "a" * 200_000 + ",B,local_authority\n"
    response = await api.client.post(
        "/api/v1/import/partners", content=text.encode(), headers={**api.as_("lead"), "Content-Type": "text/csv"}
    )
    assert [e["field"] for e in bilingual_error(response, 422)["errors"]] == ["line 3: row"]
    assert await api.events() == []


async def test_an_unexpected_exception_is_a_bilingual_500_and_is_logged(capsys: pytest.CaptureFixture[str]) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("the secret detail")

    # No logging configuration of its own: Litestar's default would leave a thread writing to this
    # test's captured output after the test closed it ("--- Logging error ---" in later tests).
    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS, logging_config=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://test") as client:
        response = await client.get("/boom")

    body = bilingual_error(response, 500)
    assert set(body) == {"status", "message_en", "message_cy"}
    assert "secret" not in response.text
    logged = capsys.readouterr()
    assert "unhandled exception" in logged.out + logged.err and "the secret detail" in logged.out + logged.err
