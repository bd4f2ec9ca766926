"""Hostile requests against the running product: nothing escapes the API, nothing is a 500."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from tests.stack import Stack


async def raw_request(base: str, target: str, method: str = "GET") -> tuple[int, bytes]:
    """Send the request target exactly as written: an HTTP client would resolve `..` itself."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(f"{method} {target} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


ESCAPES = [
    "/api/v1/search/%2e%2e/%2e%2e/%2e%2e/metrics",
    "/api/v1/search/../../../metrics",
    "/api/v1/search/%2E%2E/%2E%2E/%2E%2E/readyz",
    "/api/v1/projects/.%2e/.%2e/.%2e/metrics",
    "/api/v1/projects/./../../../readyz",
    "/api/v1/projects/%2e/",
    "/api/v1/search%2f..%2f..%2f..%2fmetrics",
    "/api/v1/projects%5c..%5c..%5c..%5cmetrics",
    "/api/v1/projects/..\\..\\..\\metrics",
    "/api/v1/search/%252e%252e/%252e%252e/%252e%252e/metrics",
    "/api/v1/me/..%2f..%2f..%2fmetrics",
]


@pytest.mark.parametrize("target", ESCAPES)
async def test_a_gateway_path_that_could_leave_the_api_is_not_found_before_it_is_forwarded(
    stack: Stack, target: str
) -> None:
    status, body = await raw_request(stack.urls["web"], target)
    assert status == 404, body
    assert b"process_" not in body and b"ready" not in body.lower()


async def test_the_gateway_still_forwards_ordinary_api_paths(stack: Stack) -> None:
    status, body = await raw_request(stack.urls["web"], "/api/v1/projects?limit=1")
    assert status == 200, body
    status, body = await raw_request(stack.urls["web"], "/api/v1/search?q=forms")
    assert status == 200, body
