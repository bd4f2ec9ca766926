"""What the page specifications share: signed-in people on the running stack, and records made
through the portfolio API (the pages under test only read them)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from shared import db
from shared.identity import Identity, sign
from tests.stack import Stack
from web import accounts

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')
FIELD_ERROR = re.compile(r'<p id="([\w-]+)-error" class="govuk-error-message">')


async def add_account(
    stack: Stack, role: accounts.AccountRole, *, partner_id: uuid.UUID | None = None, name: str = "",
    language: str = "both",
) -> accounts.Account:  # fmt: skip
    """An account straight in the web schema (the email-link journey is specified elsewhere)."""
    pool = await db.create_pool(stack.settings.database_url or "", "web", max_size=1)
    try:
        async with pool.acquire() as conn:
            email = f"{role}-{uuid.uuid4().hex[:8]}@cdps.example"
            return await accounts.add_account(
                conn, email=email, role=role, partner_id=partner_id, name=name or f"{role.title()} {email[-18:-13]}",
                language=language,
            )  # fmt: skip
    finally:
        await pool.close()


async def start_session(stack: Stack, account: accounts.Account) -> str:
    pool = await db.create_pool(stack.settings.database_url or "", "web", max_size=1)
    try:
        async with pool.acquire() as conn:
            return await accounts.start_session(conn, account)
    finally:
        await pool.close()


class Browser:
    """An httpx client on the web service that keeps cookies, like a browser without JavaScript."""

    def __init__(self, client: httpx.AsyncClient, account: accounts.Account | None):
        self.client = client
        self.account = account

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        match = CSRF_INPUT.search(page.text)
        assert match, page.text
        return match[1]

    async def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, form: str = "",
                   **kwargs: Any) -> httpx.Response:  # fmt: skip
        """Post a form as a browser would: with the CSRF token from the page that shows the form."""
        token = await self.csrf(form or path)
        fields: dict[str, list[str]] = {"_csrf_token": [token]}
        for name, value in data.items() if isinstance(data, dict) else data:
            fields.setdefault(name, []).append(value)
        return await self.client.post(path, data=fields, **kwargs)


@asynccontextmanager
async def browser(stack: Stack, role: accounts.AccountRole | None = None, *,
                  partner_id: uuid.UUID | None = None) -> AsyncIterator[Browser]:  # fmt: skip
    account = await add_account(stack, role, partner_id=partner_id) if role else None
    cookies = {"cdps_session": await start_session(stack, account)} if account else {}
    async with httpx.AsyncClient(base_url=stack.urls["web"], cookies=cookies, timeout=15) as client:
        yield Browser(client, account)


def identity_headers(stack: Stack, role: str = "lead", sub: str = "", partner_id: uuid.UUID | None = None
                     ) -> dict[str, str]:  # fmt: skip
    identity = Identity(sub=sub or f"{role}-tests", role=role, partner_id=partner_id)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {sign(identity, stack.settings.secret_key)}"}


async def create_partner(stack: Stack, name_en: str = "", name_cy: str = "") -> dict[str, Any]:
    slug = f"partner-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{stack.urls['portfolio']}/api/v1/partners",
            json={"slug": slug, "name_en": name_en or f"Council {slug}", "name_cy": name_cy or f"Cyngor {slug}",
                  "kind": "local_authority"},
            headers=identity_headers(stack),
        )  # fmt: skip
    assert response.status_code == 201, response.text
    partner: dict[str, Any] = response.json()
    return partner


async def create_project(stack: Stack, lead: str = "", **fields: Any) -> dict[str, Any]:
    slug = fields.pop("slug", f"project-{uuid.uuid4().hex[:8]}")
    body = {"slug": slug, "title_en": f"Project {slug}", "title_cy": f"Prosiect {slug}", **fields}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{stack.urls['portfolio']}/api/v1/projects", json=body, headers=identity_headers(stack, sub=lead)
        )
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


async def api(stack: Stack, method: str, path: str, *, version: int | None = None, **kwargs: Any) -> httpx.Response:
    headers = identity_headers(stack)
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.request(method, f"{stack.urls['portfolio']}{path}", headers=headers, **kwargs)


def words(response: httpx.Response) -> str:
    """The page's text with entities decoded (Jinja writes ' as &#39;), for looking for sentences."""
    return html.unescape(response.text)


def field_errors(page: str) -> list[str]:
    """Ids of the fields the page marks as wrong."""
    return FIELD_ERROR.findall(page)


def summary_links(page: str) -> list[str]:
    """The targets of the error summary's links, in order."""
    start = page.find('class="govuk-error-summary"')
    if start < 0:
        return []
    end = page.find("</ul>", start)
    return re.findall(r'<a href="#([\w-]+)">', page[start:end])
