"""Who may open which page: the public is asked to sign in, a partner is refused staff pages, a delivery
lead is refused the administrator's, and an address that is no page is a 404 for everybody."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.stack import Stack
from tests.web.pages_helpers import browser, create_partner, create_project
from web.accounts import AccountRole

ROLES: tuple[AccountRole | None, ...] = (None, "partner", "lead", "admin")


async def test_each_page_answers_each_role_as_its_guard_says(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    pages = {  # path: (public, partner, lead, admin)
        "/projects/new": (401, 403, 200, 200),
        f"/projects/{project['id']}/edit": (401, 403, 200, 200),
        f"/projects/{project['id']}/no-such-form": (404, 404, 404, 404),
        "/support/requests": (401, 403, 200, 200),
        "/translations": (401, 403, 200, 200),
        "/staff/weeknotes/draft": (401, 403, 200, 200),
        "/admin/accounts": (401, 403, 403, 200),
        "/admin/deliveries": (401, 403, 403, 200),
        "/admin/webhooks": (401, 403, 403, 200),
        "/admin/webhooks/new": (401, 403, 403, 200),
        "/my-projects": (401, 200, 200, 200),
        "/engagements": (401, 200, 200, 200),
        "/account/tokens": (302, 200, 200, 200),
        f"/projects/{project['id']}": (200, 200, 200, 200),
    }
    for column, role in enumerate(ROLES):
        async with browser(stack, role, partner_id=partner["id"] if role == "partner" else None) as person:
            for path, expected in pages.items():
                response = await person.get(path)
                assert response.status_code == expected[column], (role, path, response.text[:200])
                if response.status_code == 302:
                    assert response.headers["location"] == "/signin?" + urlencode({"next": path})
