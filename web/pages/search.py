"""Search: results as you type (htmx), filters with facet counts, and a plain form without JavaScript."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from shared.replies.search import SearchResults
from web.accounts import Account
from web.context import Language, PageLanguage, Viewer, is_staff
from web.pages import labels
from web.pages.common import (
    READ_YOUR_WRITES_COOKIE,
    Down,
    HxRequest,
    call,
    form_date_parts,
    is_htmx,
    page,
    parse_date,
    partners_by_id,
    unavailable,
)  # fmt: skip

PAGE_SIZE = 20
AFTER = re.compile(r"^[0-9a-f-]{36}:[0-9]{1,9}$")
FILTERS = ("kind", "phase", "health", "tag", "partner")
# What the search service ever shows each audience (services/search/domain.py gives each kind its
# audience): a Type the reader can never get would be a filter that always finds nothing.
PUBLIC_KINDS = ("project", "partner", "update", "assessment", "measure", "weeknote")
PARTNER_KINDS = (*PUBLIC_KINDS, "engagement", "phase_change")
DATES = ("from", "to")


def clean_filters(kind: str, phase: str, health: str, tag: str, partner: str) -> dict[str, str]:
    """Only values the search API accepts, so a hand-edited address is never a 400."""
    try:
        partner = str(uuid.UUID(partner)) if partner else ""
    except ValueError:
        partner = ""
    return {
        "kind": kind if kind in labels.SEARCH_KINDS else "", "phase": phase if phase in labels.PHASES else "",
        "health": health if health in labels.HEALTH else "", "tag": tag if tag in labels.TAGS else "",
        "partner": partner,
    }  # fmt: skip


@get("/search")
async def search(
    request: HxRequest, lang: PageLanguage, account: Viewer, q: FromQuery[str] = "", kind: FromQuery[str] = "",
    phase: FromQuery[str] = "", health: FromQuery[str] = "", tag: FromQuery[str] = "", partner: FromQuery[str] = "",
    page_number: FromQuery[int] = 1,
    after: FromQuery[str] = "",
) -> Template:  # fmt: skip
    q = q[:200]
    filters = clean_filters(kind, phase, health, tag, partner)
    dates, typed, date_errors = date_range(lang, request.query_params)
    page_number = max(1, min(page_number, 500))
    # Read your writes: wait (briefly) for the index to hold this person's own last change.
    after = after if AFTER.match(after) else request.cookies.get(READ_YOUR_WRITES_COOKIE, "")
    searching = bool(q.strip() or any(filters.values()) or any(dates.values()))
    results = SearchResults(query=q, total=0, items=[], facets={})
    error = None
    if searching:
        params = {"q": q, "limit": PAGE_SIZE, "offset": (page_number - 1) * PAGE_SIZE,
                  **{k: v for k, v in filters.items() if v}, **{k: v for k, v in dates.items() if v}}  # fmt: skip
        if AFTER.match(after or ""):
            params["after"] = after
        try:
            reply = await call(request, "search", "GET", "/api/v1/search", params=params)
            if reply.ok:
                results = msgspec.convert(reply.body, SearchResults)
            else:
                error = unavailable(request, "search")
        except msgspec.ValidationError:  # a reply this page cannot read is the service's fault
            error = unavailable(request, "search")
        except Down:
            error = unavailable(request, "search")
    partners, _ = await partners_by_id(request)
    filters |= typed  # the date fields travel with every link (facets, pages) as they were typed
    context = {
        "q": q, "filters": filters, "hits": msgspec.to_builtins(results.items), "total": results.total,
        "corrected": results.corrected, "date_errors": date_errors,
        # Above the search's counting cap the total is "more than" and the facets count that many.
        "more": results.total_relation == "gte", "approximate": results.facets_approximate,
        "total_text": f"{results.total:,}",
        "facets": facet_links(lang, q, filters, msgspec.to_builtins(results.facets), partners), "error": error,
        "searching": searching, "partners": partners, "page_number": page_number,
        "pages": pagination(q, filters, page_number, results.total),
        "filter_options": filter_options(lang, partners, kinds_for(account)),
    }  # fmt: skip
    fragment = is_htmx(request)
    return await page(request, "partials/results.html" if fragment else "search.html", oob=fragment, **context)


def date_range(lang: Language, query: Any) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """From the GOV.UK date fields: the "from" and "to" dates (ISO), the fields as typed, and an error
    for each date that is not real."""
    _ = lang._
    dates: dict[str, str] = {}
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for end in DATES:
        day, given = parse_date(query, end)
        dates[end] = day.isoformat() if day else ""
        typed |= {f"{end}-{part}": value for part, value in form_date_parts(query, end).items()}
        if given and day is None:
            errors[f"{end}-day"] = _("Enter a real date, like 27 3 2026")
    return dates, typed, errors


def link(q: str, filters: dict[str, str], **changes: Any) -> str:
    values = {"q": q, **filters, **changes}
    return "/search?" + urlencode({k: v for k, v in values.items() if v})


def facet_links(
    lang: Language, q: str, filters: dict[str, str], facets: dict[str, list[dict[str, Any]]],
    partners: dict[str, dict[str, Any]],
) -> list[tuple[str, list[tuple[str, int, str, bool]]]]:  # fmt: skip
    """(facet name, [(value name, count, link, chosen)]): each link narrows (or widens) the search."""
    _ = lang._
    names = {"kind": labels.SEARCH_KINDS, "phase": labels.PHASES, "health": labels.HEALTH, "tag": labels.TAGS}
    titles = {"kind": _("Type"), "phase": _("Phase"), "health": _("Health"), "tag": _("Challenge area"),
              "partner": _("Partner")}  # fmt: skip
    found = []
    for facet in FILTERS:
        entries = []
        for item in facets.get(facet) or []:
            value = str(item.get("value"))
            if facet == "partner":
                partner = partners.get(value)
                if partner is None:
                    continue
                text = str(partner.get(f"name_{lang.code}") or partner.get("name_en"))
            else:
                text = _(names[facet].get(value, value))
            chosen = filters.get(facet) == value
            entries.append((text, int(item.get("count", 0)), link(q, filters, **{facet: "" if chosen else value}),
                            chosen))  # fmt: skip
        if entries:
            found.append((titles[facet], entries))
    return found


def kinds_for(account: Account | None) -> tuple[str, ...]:
    """The kinds of record this reader can ever find."""
    if is_staff(account):
        return tuple(labels.SEARCH_KINDS)
    return PARTNER_KINDS if account is not None and account.partner_id else PUBLIC_KINDS


def filter_options(
    lang: Language, partners: dict[str, dict[str, Any]], kinds: tuple[str, ...]
) -> list[tuple[str, str, list[Any]]]:
    _ = lang._
    ordered = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en")))
    return [
        ("kind", _("Type"), [("", _("Everything"))] + [(k, _(labels.SEARCH_KINDS[k])) for k in kinds]),
        ("phase", _("Phase"), [("", _("Any phase"))] + [(k, _(v)) for k, v in labels.PHASES.items()]),
        ("health", _("Health"), [("", _("Any health"))] + [(k, _(v)) for k, v in labels.HEALTH.items()]),
        ("tag", _("Challenge area"), [("", _("All challenge areas"))] + [(k, _(v)) for k, v in labels.TAGS.items()]),
        ("partner", _("Partner"), [("", _("All partners"))] + [
            (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in ordered]),
    ]  # fmt: skip


def pagination(q: str, filters: dict[str, str], current: int, total: int) -> dict[str, Any]:
    last = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return {
        "previous": link(q, filters, page_number=current - 1) if current > 1 else None,
        "next": link(q, filters, page_number=current + 1) if current < last else None,
        "current": current, "last": last,
    }  # fmt: skip
