"""The home page: the portfolio by phase, filters, and charts of how projects move."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template
from markupsafe import Markup

from web import charts
from web.accounts import Account
from web.boardcache import cache_of, viewer_class
from web.context import Language, PageLanguage, Viewer, is_staff
from web.pages import labels
from web.pages.common import (
    Down,
    HxRequest,
    call,
    is_htmx,
    page,
    page_context,
    partners_by_id,
    people_names,
    read_or_none,
    today,
    unavailable,
)  # fmt: skip

MAX_PROJECTS = 200
BOARD = "partials/board.html"
_histories: OrderedDict[tuple[str, int], list[dict[str, Any]]] = OrderedDict()
HISTORY_CACHE_SIZE = 2000


async def history_of(request: HxRequest, project: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A project's audit trail, or None if the viewer may not read it. Kept per (project, version):
    every change bumps the version, so a kept trail is never out of date."""
    key = (str(project["id"]), int(project.get("version", 0)))
    if key in _histories:
        _histories.move_to_end(key)
        return _histories[key]
    reply = await call(request, "portfolio", "GET", f"/api/v1/projects/{project['id']}/history")
    if not reply.ok or not isinstance(reply.body, list):
        return None
    _histories[key] = reply.body
    while len(_histories) > HISTORY_CACHE_SIZE:
        _histories.popitem(last=False)
    return reply.body


def may_read_history(account: Account | None, project: dict[str, Any]) -> bool:
    if account is None:
        return False
    if is_staff(account):
        return True
    return account.role == "partner" and str(account.partner_id) == str(project.get("partner_id"))


async def trails(request: HxRequest, projects: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The phase history of the projects shown, from one call (the portfolio scopes it to the viewer)."""
    reply = await call(request, "portfolio", "GET", "/api/v1/projects/timelines")
    if not reply.ok or not isinstance(reply.body, list):
        return []
    shown = {str(p["id"]) for p in projects}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in reply.body:
        if entry["project_id"] in shown:
            grouped.setdefault(entry["project_id"], []).append(entry)
    return list(grouped.values())


def _choice(value: str, allowed: Any) -> str | None:
    return value if value in allowed else None


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


@get("/")
async def home(
    request: HxRequest, lang: PageLanguage, account: Viewer, partner: FromQuery[str] = "",
    tag: FromQuery[str] = "", health: FromQuery[str] = "", lead: FromQuery[str] = "", goal: FromQuery[str] = "",
) -> Template:  # fmt: skip
    filters = {
        "partner": _uuid(partner), "tag": _choice(tag, labels.TAGS), "health": _choice(health, labels.HEALTH),
        "goal": _choice(goal, labels.GOALS), "lead": lead[:100] if lead and is_staff(account) else None,
    }  # fmt: skip
    cache = cache_of(request)
    key = (*viewer_class(account), lang.code, today(), *filters.values())
    shown = cache.get(key) if cache is not None else None
    if shown is None:
        generation = cache.generation if cache is not None else 0
        shown = await board_data(request, lang, filters)
        if cache is not None and shown["complete"]:
            cache.put(key, generation, shown)
    context = {**shown, "filters": {k: v or "" for k, v in filters.items()}, "people": await people_names(request),
               "q": "", "board_html": board_html(request, lang, account, shown)}  # fmt: skip
    context["filter_options"] = filter_options(lang, account, shown["partners"], shown["projects"], context["people"])
    fragment = is_htmx(request)
    name = "partials/portfolio.html" if fragment else "home.html"
    return await page(request, name, oob=fragment, revalidated=True, **context)


def board_html(request: HxRequest, lang: Language, account: Account | None, shown: dict[str, Any]) -> Markup:
    """The board and its charts as HTML, rendered once for each entry the board's cache keeps (half
    the page's work, and the same for every viewer the entry is kept for: its class, language,
    filters and day). Kept in the entry itself, so it is forgotten with it."""
    if shown["projects_error"]:
        return Markup()  # the page says the portfolio is unavailable instead
    kept: Markup | None = shown.get("board_html")
    if kept is None:
        engine = request.app.template_engine
        assert engine is not None  # the web is made with its templates (web/app.py)
        template = engine.get_template(BOARD)
        kept = shown["board_html"] = Markup(template.render(**page_context(lang.code, account), **shown))
    return kept


async def board_data(request: HxRequest, lang: Language, filters: dict[str, str | None]) -> dict[str, Any]:
    """What the board shows the viewer's class (web/boardcache.py keeps it): the projects, partners
    and charts. ``complete`` says every service answered (only then is it kept)."""
    params = {"limit": MAX_PROJECTS, **{k: v for k, v in filters.items() if v}}
    body, projects_error = await read_or_none(request, "portfolio", "/api/v1/projects", params)
    projects: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else []
    partners, partners_error = await partners_by_id(request)
    charts_ = await chart_context(request, lang, projects)
    return {
        "projects": projects, "projects_error": projects_error, "more": bool(isinstance(body, dict) and body.get(
            "next_cursor")), "partners": partners, "columns": board(projects), **charts_,
        "complete": projects_error is None and partners_error is None and charts_["history_note"] is None,
    }  # fmt: skip


def filter_options(
    lang: Language, account: Account | None, partners: dict[str, dict[str, Any]], projects: list[dict[str, Any]],
    people: dict[str, str],
) -> list[tuple[str, str, list[tuple[str, str]]]]:  # fmt: skip
    """(name, label, [(value, text)]) for each filter the viewer may use."""
    _ = lang._
    by_name = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en") or ""))
    options = [
        ("partner", _("Partner"), [("", _("All partners"))] + [
            (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in by_name]),
        ("tag", _("Challenge area"), [("", _("All challenge areas"))] + [
            (code, _(name)) for code, name in labels.TAGS.items()]),
        ("health", _("Health"), [("", _("Any health"))] + [(code, _(name)) for code, name in labels.HEALTH.items()]),
        ("goal", _("Wellbeing goal"), [("", _("All wellbeing goals"))] + [
            (code, _(name)) for code, name in labels.GOALS.items()]),
    ]  # fmt: skip
    if account is not None and is_staff(account):
        leads = sorted({str(p["lead_id"]) for p in projects if p.get("lead_id")} | {str(account.id)})
        options.append(("lead", _("Delivery lead"), [("", _("All delivery leads"))] + [
            (lead, _("You") if lead == str(account.id) else people.get(lead, lead)) for lead in leads]))  # fmt: skip
    return options


def by_phase(projects: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each phase's projects, then stopped projects (whatever phase they stopped in)."""
    columns: dict[str, list[dict[str, Any]]] = {phase: [] for phase in (*labels.PHASE_ORDER, "stopped")}
    for project in projects:
        columns["stopped" if project.get("state") == "stopped" else project.get("phase", "discovery")].append(project)
    return list(columns.items())


def board(projects: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Columns of the board: as :func:`by_phase`, with private and public beta in one "beta" column
    (each card shows its step), so the board keeps six columns that fit a screen's width."""
    columns: dict[str, list[dict[str, Any]]] = {}
    for code, items in by_phase(projects):
        columns.setdefault("beta" if code in labels.BETA_STEPS else code, []).extend(items)
    return list(columns.items())


async def chart_context(request: HxRequest, lang: Language, projects: list[dict[str, Any]]) -> dict[str, Any]:
    """The charts, each an SVG picture with its numbers as a table."""
    _ = lang._
    names = {code: _(name) for code, name in labels.PHASES.items()}
    names["stopped"] = labels.name(_, labels.STATES, "stopped")
    counts = [(code, len(items)) for code, items in by_phase(projects)]
    figures = [{
        "id": "chart-phases", "title": _("Projects in each phase"),
        "description": _("How many of the projects shown are in each phase now."),
        "svg": charts.bar_chart([(code, names[code], n, str(n)) for code, n in counts]),
        "head": [_("Phase"), _("Projects")], "rows": [(names[code], n) for code, n in counts],
    }]  # fmt: skip
    goals = [(code, _(name), sum(code in (p.get("wellbeing_goals") or []) for p in projects))
             for code, name in labels.GOALS.items()]  # fmt: skip
    figures.append({
        "id": "chart-goals", "title": _("Projects serving each wellbeing goal"),
        "description": _("How many of the projects shown name each goal of the Well-being of Future Generations Act "
                         "(a project may serve several)."),
        "svg": charts.labelled_bars([("goal", name, n, str(n)) for _code, name, n in goals]),
        "head": [_("Wellbeing goal"), _("Projects")], "rows": [(name, n) for _code, name, n in goals],
    })  # fmt: skip
    context: dict[str, Any] = {"figures": figures, "history_note": None}
    if not projects:
        return context
    try:
        history = await trails(request, projects)
    except Down:
        context["history_note"] = unavailable(request, "portfolio")
        return context
    day = today()
    quarters = charts.last_quarters(day)
    quarter_names = [_("Q%(quarter)d %(year)d", quarter=q, year=y) for y, q in quarters]
    moved = charts.movements_by_quarter((m for h in history for m in charts.moves(h)), quarters)
    move_names = {**names, "go_back": _("Went back a phase"), "retired": _("Retired")}
    series = [(code, move_names[code], counts_) for code, counts_ in moved.items()]
    figures.append({
        "id": "chart-moves", "title": _("Moves between phases, by quarter"),
        "description": _("Projects that moved into each phase, went back or stopped, in the last four quarters."),
        "svg": charts.stacked_columns(quarter_names, series),
        "head": [_("Quarter"), *(name for _code, name, _counts in series)],
        "rows": [(quarter, *(c[i] for _code, _name, c in series)) for i, quarter in enumerate(quarter_names)],
    })  # fmt: skip
    durations = charts.days_in_phase(s for h in history for s in charts.stints(h, day))
    days_text = {code: lang.ngettext("%(num)d day", "%(num)d days", days) for code, (days, _n) in durations.items()}
    figures.append({
        "id": "chart-durations", "title": _("Time spent in each phase"),
        "description": _("Median number of days projects spent in a phase before leaving it."),
        "svg": charts.bar_chart([(code, names[code], days, days_text[code] if n else "–")
                                 for code, (days, n) in durations.items()]),
        "head": [_("Phase"), _("Median days"), _("Projects that left the phase")],
        "rows": [(names[code], days if n else "–", n) for code, (days, n) in durations.items()],
    })  # fmt: skip
    return context
