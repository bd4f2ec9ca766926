"""Hostile requests against the running product: nothing escapes the API, nothing is a 500."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import auth
from tests.stack import Stack
from tests.web.pages_helpers import browser


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
    status, body = await raw_request(stack.urls["web"], "/api/v1/weeknotes")
    assert status == 200, body


# Every place text comes in, each with a NUL in the field named; (service, method, path, query, body, field).
NUL = "a\x00b"
API_INPUTS: list[tuple[str, str, str, dict[str, str], Any, str]] = [
    ("search", "GET", "/api/v1/search", {"q": NUL}, None, "q"),
    ("search", "GET", "/api/v1/search", {"tag": NUL}, None, "tag"),
    ("notifier", "POST", "/api/v1/subscriptions", {}, {"email": f"x{NUL}@example.org"}, "email"),
    ("notifier", "GET", "/api/v1/deliveries", {"recipient": NUL}, None, "recipient"),
    ("notifier", "GET", "/api/v1/deliveries", {"event_type": NUL}, None, "event_type"),
    ("notifier", "PATCH", "/api/v1/weeknotes/draft/2026-W01", {}, {"intro_en": NUL}, "intro_en"),
    ("portfolio", "POST", "/api/v1/projects", {}, {"slug": "nul", "title_en": NUL, "title_cy": "T"}, "title_en"),
    ("portfolio", "POST", "/api/v1/support-requests", {},
     {"organisation": "O", "contact_name": NUL, "contact_email": "c@example.org", "need": "Some help please"},
     "contact_name"),
    ("portfolio", "GET", "/api/v1/projects", {"q": NUL}, None, "q"),
]  # fmt: skip


@pytest.mark.parametrize(("service", "method", "path", "query", "body", "field"), API_INPUTS)
async def test_a_nul_in_any_text_input_is_a_bilingual_error_naming_the_field(
    stack: Stack, service: str, method: str, path: str, query: dict[str, str], body: Any, field: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.urls[service]) as client:
        answer = await client.request(method, path, params=query, json=body, headers=auth(stack.settings, "admin"))
    assert answer.status_code == 422, answer.text
    errors = {e["field"]: e for e in answer.json()["errors"]}
    assert field in errors and errors[field]["message_en"] != errors[field]["message_cy"], errors


async def test_every_field_with_a_control_character_is_named_at_once(stack: Stack) -> None:
    body = {"slug": "bell", "title_en": "Ring\x07", "title_cy": "Cloch\x1b", "summary_en": "ok", "tags": ["\x0c"]}
    async with httpx.AsyncClient(base_url=stack.urls["portfolio"]) as client:
        answer = await client.post("/api/v1/projects", json=body, headers=auth(stack.settings, "lead"))
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["tags", "title_cy", "title_en"]


@pytest.mark.parametrize(
    ("service", "path"),
    [("portfolio", "/api/v1/projects"), ("notifier", "/api/v1/subscriptions"), ("web", "/api/v1/projects")],
)
async def test_deeply_nested_json_and_a_body_that_is_not_utf8_are_400_on_every_service_that_takes_bodies(
    stack: Stack, service: str, path: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.urls[service]) as client:
        for body in (b"[" * 5000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 100 + b"1" + b"}" * 100,
                     b'{"email": "\xff\xfe@example.org"}'):  # fmt: skip
            answer = await client.post(path, content=body, headers={"Content-Type": "application/json",
                                                                   **auth(stack.settings, "lead")})  # fmt: skip
            assert answer.status_code == 400, (body[:20], answer.text)
            assert answer.json()["message_cy"] and answer.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("path", ["/projects/%00", "/projects/a%00b", "/weeknotes/a%00b", "/weeknotes/a%0d%0ab",
                                  "/weeknotes/2026-W01%00.md", "/partners/%00"])  # fmt: skip
async def test_the_web_puts_no_raw_text_into_a_services_address(stack: Stack, path: str) -> None:
    status, body = await raw_request(stack.urls["web"], path)
    assert status == 404, body


async def test_the_web_names_a_bad_field_rather_than_saying_a_service_is_down(stack: Stack) -> None:
    async with browser(stack, "lead") as lead:
        for path, data, form, field in (
            ("/staff/weeknotes/draft", {"week": "2026-W01\r\nX-Injected: 1", "version": "1"},
             "/staff/weeknotes/draft", "week"),
            ("/staff/weeknotes/draft", {"week": "2026-W01", "intro_en": NUL, "version": "1"},
             "/staff/weeknotes/draft", "intro_en"),
            ("/account/tokens", {"name": NUL}, "/account/tokens", "name"),
            ("/signin", {"email": f"a{NUL}@example.org"}, "/signin", "email"),
        ):  # fmt: skip
            answer = await lead.post(path, data, form=form, params={"lang": "cy"})
            assert answer.status_code in (400, 422), (path, answer.status_code)
            assert "ar gael" not in answer.text and f"<bdi>{field}</bdi>" in answer.text, (path, answer.text)
        for query in ({"q": NUL}, {"tag": NUL}):
            found = await lead.get("/search", params={**query, "lang": "en"})
            assert found.status_code == 400 and "not available" not in found.text
            assert f"<bdi>{next(iter(query))}</bdi>" in found.text


@pytest.mark.parametrize("service", ["portfolio", "search", "notifier", "web"])
async def test_a_query_that_is_not_utf8_is_never_a_server_error(stack: Stack, service: str) -> None:
    path = {"portfolio": "/api/v1/projects", "search": "/api/v1/search", "notifier": "/api/v1/deliveries",
            "web": "/search"}[service]  # fmt: skip
    status, body = await raw_request(stack.urls[service], f"{path}?q=%ff%fe&recipient=%c3%28")
    assert status < 500, body


async def test_a_csv_import_with_a_control_character_names_its_line_and_writes_nothing(stack: Stack) -> None:
    csv_text = "slug,name_en,name_cy,kind\nnul-partner,Bad\x00name,Enw,other\n"
    async with httpx.AsyncClient(base_url=stack.urls["portfolio"]) as client:
        answer = await client.post("/api/v1/import/partners", content=csv_text.encode(),
                                   headers={"Content-Type": "text/csv", **auth(stack.settings, "lead")})  # fmt: skip
        assert answer.status_code == 422 and [e["field"] for e in answer.json()["errors"]] == ["line 2"], answer.text
        partners = await client.get("/api/v1/partners")
    assert "nul-partner" not in partners.text


async def test_a_name_or_title_with_a_text_direction_override_is_refused_naming_it(stack: Stack) -> None:
    lead = auth(stack.settings, "lead")
    spoof = "Invoice \u202egnp.exe"
    async with httpx.AsyncClient(base_url=stack.urls["portfolio"]) as client:
        project = await client.post("/api/v1/projects", headers=lead,
                                    json={"slug": "spoof", "title_en": spoof, "title_cy": "Iawn \u2067x\u2069"})  # fmt: skip
        partner = await client.post("/api/v1/partners", headers=lead,
                                    json={"slug": "spoof", "name_en": spoof, "name_cy": "Iawn", "kind": "other"})  # fmt: skip
        summary = await client.post("/api/v1/projects", headers=lead,
                                    json={"slug": "rtl-summary", "title_en": "Fine", "title_cy": "Iawn",
                                          "summary_en": "Quoted: \u2067عربي\u2069"})  # fmt: skip
    assert project.status_code == 422 and partner.status_code == 422
    errors = {e["field"]: e for e in project.json()["errors"]} | {e["field"]: e for e in partner.json()["errors"]}
    assert {"title_en", "title_cy", "name_en"} <= errors.keys(), errors
    assert (
        "direction of text" in errors["title_en"]["message_en"]
        and "cyfeiriad testun" in errors["name_en"]["message_cy"]
    )
    assert summary.status_code == 201, summary.text  # only names and titles refuse them


async def test_text_people_wrote_is_isolated_so_it_cannot_reorder_the_page(stack: Stack) -> None:
    slug = f"isolated-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.urls["portfolio"]) as client:
        created = await client.post("/api/v1/projects", headers=auth(stack.settings, "lead"),
                                    json={"slug": slug, "title_en": "Shalom שלום", "title_cy": "Shalom שלום"})  # fmt: skip
        assert created.status_code == 201, created.text
    async with httpx.AsyncClient(base_url=stack.urls["web"]) as client:
        page = await client.get(f"/projects/{slug}", params={"lang": "en"})
    assert '<h1 class="govuk-heading-xl"><bdi>Shalom שלום</bdi></h1>' in page.text
