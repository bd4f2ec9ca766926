"""Missing translations: every text people wrote in one language only, by kind, partner and age,
and a translator (a delivery lead or an admin) filling in the other language in place.

Leads translate, not a role of their own: CDPS's Welsh is written by its own staff (or by a
translation service working through one of them), and every role is enforced by every service
(identity tokens, guards, API tokens), so a new role would be a change to all four for one form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Response, post
from litestar import get as get_route
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from web.context import PageLanguage, staff_only
from web.pages.common import Down, Errors, HxRequest, api_errors, call, page, partners_by_id, read_or_none
from web.pages.common import unavailable as service_down

KINDS = ("project", "update", "phase_change", "support_request", "assessment", "action", "partner", "engagement")
FILLED_IN_PLACE = ("project", "update", "phase_change", "support_request", "assessment", "action")
"""The kinds whose text a translator fills in on this page; the others link to their own form."""


def _gaps(record: dict[str, Any], fields: tuple[str, ...], kind: str, href: str, partner_id: Any) -> list[Any]:
    """One row per text of ``record`` (``field_en``/``field_cy``) that exists in one language only."""
    found = []
    for field in fields:
        welsh = str(record.get(f"{field}_cy") or "").strip()
        english = str(record.get(f"{field}_en") or "").strip()
        if bool(welsh) != bool(english):
            found.append({
                "kind": kind, "id": record["id"], "field": field, "text": {"en": english, "cy": welsh},
                "missing": "cy" if english else "en", "href": href, "partner_id": partner_id,
                "name": record, "since": record.get("updated_at") or record.get("created_at"),
            })  # fmt: skip
    return found


async def _rows(request: HxRequest) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    texts, texts_error = await read_or_none(request, "portfolio", "/api/v1/translations")
    partners, partners_error = await partners_by_id(request)
    engagements, engagements_error = await read_or_none(request, "portfolio", "/api/v1/engagements")
    rows: list[dict[str, Any]] = []
    for text in texts or []:
        if text["kind"] == "support_request":  # no project's: named by its organisation, as its sender wrote it
            href, title = f"/support/requests/{text['id']}", {"en": text["organisation"], "cy": text["organisation"]}
        elif text.get("assessment_id"):  # an assessment's text or its action's: shown on its report
            href, title = f"/assessments/{text['assessment_id']}", text["project_title"]
        else:
            href, title = f"/projects/{text['project_slug']}", text["project_title"]
        rows.append({**text, "href": href, "name": {"title_en": title["en"], "title_cy": title["cy"]}})
    for partner in partners.values():
        rows += _gaps(partner, ("name",), "partner", f"/partners/{partner['id']}", partner["id"])
    for engagement in engagements or []:
        rows += _gaps(engagement, ("summary",), "engagement", f"/partners/{engagement['partner_id']}",
                      engagement["partner_id"])  # fmt: skip
    rows.sort(key=lambda row: str(row.get("since") or ""))  # oldest first: the longest waiting
    problems = [e for e in (texts_error, partners_error, engagements_error) if e]
    return rows, partners, problems


def _age_days(since: Any, today: dt.date) -> int | None:
    try:
        return (today - dt.datetime.fromisoformat(str(since).replace("Z", "+00:00")).date()).days
    except ValueError:
        return None


async def _page(
    request: HxRequest, kind: str | None, partner: str | None, *, errors: Errors | None = None,
    values: dict[str, str] | None = None, status: int = 200,
) -> Template:  # fmt: skip
    rows, partners, problems = await _rows(request)
    today = dt.datetime.now(dt.UTC).date()
    for row in rows:
        row["age"] = _age_days(row.get("since"), today)
        row["key"] = text_key(row["kind"], row["id"], row["field"], str(row.get("part") or ""))
    counts = {k: sum(row["kind"] == k for row in rows) for k in KINDS}
    shown = [r for r in rows if (not kind or r["kind"] == kind) and (not partner or str(r["partner_id"]) == partner)]
    return await page(
        request, "admin/missing_translations.html", rows=shown, counts=counts, partners=partners, kind=kind or "",
        partner=partner or "", problems=problems, errors=errors or Errors(), values=values or {},
        filled_in_place=FILLED_IN_PLACE, done=request.query_params.get("done") == "1", status=status,
    )  # fmt: skip


def text_key(kind: str, record_id: str, field: str, part: str) -> str:
    """The id of one text's box on the page (an assessment's standard or panel member is its part)."""
    return f"text-{kind}-{record_id}-{field}" + (f"-{part}" if part else "")


@get_route("/translations", guards=[staff_only])
async def missing_translations(
    request: HxRequest, kind: FromQuery[str | None] = None, partner: FromQuery[str | None] = None
) -> Template:
    """Records whose Welsh (or English) is missing, oldest first, so a translator can write it."""
    return await _page(request, kind if kind in KINDS else None, partner)


@post("/translations", guards=[staff_only])
async def translate(request: HxRequest, lang: PageLanguage) -> Response[Any]:
    """Fill in the missing language of one text; the portfolio records it as its project's event."""
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("kind", "id", "field", "lang", "text", "part")}
    key = text_key(values["kind"], values["id"], values["field"], values["part"])
    errors = Errors()
    if not values["text"].strip():
        errors.add(key, lang._("Write the translation"))
    else:
        part = values.pop("part")  # a standard's number or a panel member's place, for an assessment's text
        body = {**values, "text": values["text"].strip(), **({"part": int(part)} if part.isdecimal() else {})}
        try:
            reply = await call(request, "portfolio", "POST", "/api/v1/translations", json=body)
        except Down:
            errors.add(key, service_down(request, "portfolio"))
        else:
            if reply.ok:
                return Redirect(f"/translations?done=1#{key}", status_code=303)
            for message in api_errors(request, reply).values():
                errors.add(key, message)
    return await _page(request, None, None, errors=errors, values={key: values["text"]}, status=422)
