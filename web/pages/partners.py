"""Partners, a partner's page, "my projects" and engagements."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from web.context import Language, PageLanguage, SignedIn, Viewer, is_staff, signed_in_only
from web.i18n import N_
from web.pages import labels
from web.pages.common import HxRequest, page, partners_by_id, read, read_or_none

DONE = {
    "partner_added": N_("The partner has been added."),
    "partner_changed": N_("The partner's details have been saved."),
    "contact_added": N_("The contact has been added."),
    "contact_changed": N_("The contact's details have been saved."),
    "contact_removed": N_("The contact has been removed."),
}
NOT_DONE = {
    "contact_not_removed": N_("The contact was not removed: someone changed it meanwhile. Check it and try again."),
}


def by_name(lang: Language, partners: Any) -> list[dict[str, Any]]:
    return sorted(partners, key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en") or "").lower())


@get("/partners")
async def partners_page(request: HxRequest, lang: PageLanguage) -> Template:
    partners, error = await partners_by_id(request)
    return await page(request, "pages/partners.html", partners=by_name(lang, partners.values()), error=error)


@get("/partners/{partner_id:uuid}")
async def partner_page(
    request: HxRequest, lang: PageLanguage, account: Viewer, partner_id: FromPath[uuid.UUID], done: FromQuery[str] = ""
) -> Template:
    """Its projects (those the viewer may see), its engagements to anyone signed in, its contacts to staff."""
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    projects, projects_error = await read_or_none(
        request, "portfolio", "/api/v1/projects", {"partner": str(partner_id), "limit": 200}
    )
    engagements, engagements_error = None, None
    if account is not None:
        engagements, engagements_error = await read_or_none(
            request, "portfolio", "/api/v1/engagements", {"partner": str(partner_id)}
        )
    contacts, contacts_error = None, None
    if is_staff(account):
        contacts, contacts_error = await read_or_none(request, "portfolio", f"/api/v1/partners/{partner_id}/contacts")
    return await page(
        request, "pages/partner.html", partner=partner, partners={str(partner_id): partner},
        projects=(projects or {}).get("items", []), projects_error=projects_error,
        engagements=engagements or [], engagements_error=engagements_error,
        contacts=contacts or [], contacts_error=contacts_error,
        done=lang._(DONE[done]) if done in DONE else done_message(lang, done),
        not_done=lang._(NOT_DONE[done]) if done in NOT_DONE else None,
    )  # fmt: skip


@get("/my-projects")
async def my_projects(request: HxRequest, me: SignedIn) -> Template:
    """A partner's own organisation's projects; a delivery lead's own projects."""
    params: dict[str, Any] = {"limit": 200}
    if me.role == "partner":
        params["partner"] = str(me.partner_id) if me.partner_id else str(uuid.UUID(int=0))
    else:
        params["lead"] = str(me.id)
    body, error = await read_or_none(request, "portfolio", "/api/v1/projects", params)
    partners, _ = await partners_by_id(request)
    return await page(
        request, "pages/my_projects.html", projects=(body or {}).get("items", []), error=error, partners=partners,
        own_partner=partners.get(str(me.partner_id)) if me.partner_id else None,
    )  # fmt: skip


def done_message(lang: Language, done: str) -> str | None:
    return lang._(labels.ENGAGEMENT_DONE[done]) if done in labels.ENGAGEMENT_DONE else None


@get("/engagements", guards=[signed_in_only])
async def engagements_page(request: HxRequest, lang: PageLanguage, done: FromQuery[str] = "") -> Template:
    """Staff see every engagement; a partner sees its own organisation's."""
    engagements, error = await read_or_none(request, "portfolio", "/api/v1/engagements")
    partners, _ = await partners_by_id(request)
    projects, _ = await read_or_none(request, "portfolio", "/api/v1/projects", {"limit": 200})
    return await page(
        request, "pages/engagements.html", engagements=engagements or [], error=error, partners=partners,
        projects={str(p["id"]): p for p in (projects or {}).get("items", [])}, done=done_message(lang, done),
    )  # fmt: skip
