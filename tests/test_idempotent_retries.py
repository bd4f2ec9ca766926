"""A script whose connection dropped before the answer came retries with its Idempotency-Key, and
the product behaves as if it had asked once (all four services running as real processes; the
script calls the API as the README says, through the web with an API token)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import httpx

from tests.helpers import eventually
from tests.stack import Stack
from web import accounts


async def api_token(stack: Stack) -> dict[str, str]:
    """The Authorization header of a new lead's API token."""
    conn = await asyncpg.connect(stack.settings.database_url, server_settings={"search_path": "web"})
    try:
        account = await accounts.add_account(conn, email=f"lead-{uuid.uuid4().hex[:6]}@cdps.example", role="lead")
        _, secret = await accounts.create_api_token(conn, account, "retries")
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {secret}"}


@contextlib.asynccontextmanager
async def hung_up_on(url: str, path: str, body: dict[str, str], headers: dict[str, str]) -> AsyncIterator[None]:
    """Send a whole POST over a raw connection, and close it without reading the answer when the
    block ends: the client's side of a connection that dropped after the server did the work."""
    address = urlsplit(url)
    assert address.hostname is not None and address.port is not None
    content = json.dumps(body).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {address.netloc}", "Content-Type: application/json",
             f"Content-Length: {len(content)}", *(f"{name}: {value}" for name, value in headers.items())]  # fmt: skip
    _, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + content)
        await writer.drain()
        yield
    finally:
        writer.transport.abort()  # a reset, as a dropped connection is: the answer is never read


async def test_a_post_retried_after_a_dropped_connection_creates_one_update(stack: Stack) -> None:
    web = stack.urls["web"]
    token = await api_token(stack)
    update = {"body_en": "Usability testing in Wrexham", "body_cy": "Profi defnyddioldeb yn Wrecsam"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    async with httpx.AsyncClient(base_url=web, timeout=10) as client:
        created = await client.post(
            "/api/v1/projects", json={"slug": f"retry-{uuid.uuid4().hex[:6]}", "title_en": "Retries",
                                      "title_cy": "Ailgeisio"}, headers=token,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        path = f"/api/v1/projects/{created.json()['id']}/updates"

        async def posted() -> list[dict[str, str]]:
            listed: list[dict[str, str]] = (await client.get(path, headers=token)).json()
            return listed

        async with hung_up_on(web, path, update, {**token, **key}):
            [first] = await eventually(posted)
        retried = await client.post(path, json=update, headers={**token, **key})

        assert retried.status_code == 201, retried.text
        assert retried.headers["idempotent-replayed"] == "true"
        assert retried.json()["id"] == first["id"]
        assert len(await posted()) == 1
        other = await client.post(path, json={**update, "body_en": "Another update"}, headers={**token, **key})
        assert other.status_code == 422 and [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
