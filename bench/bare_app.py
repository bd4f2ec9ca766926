"""The bare Litestar app behind the HTTP ceilings: a JSON response and a Jinja2 page, no I/O.

It answers what the services would answer if their own work cost nothing, under the same
framework, template engine and ASGI server; the ratio of a real page to this one is the share of
the HTTP ceiling the product keeps. The page is about the size of the dashboard (a table of forty
projects), rendered from an in-memory list, so the difference is the product's own work: calls to
other services, queries, translations, sessions.

Served by ``uvicorn bench.bare_app:app`` or ``granian --interface asgi bench.bare_app:app``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment
from litestar import Litestar, MediaType, Response, get, post
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main class="govuk-main-wrapper"><h1 class="govuk-heading-xl">{{ title }}</h1>
<table class="govuk-table"><thead><tr><th>Project</th><th>Partner</th><th>Phase</th><th>Health</th></tr></thead>
<tbody>{% for p in projects %}
<tr class="govuk-table__row"><td><a href="/projects/{{ p.slug }}">{{ p.title }}</a></td><td>{{ p.partner }}</td>
<td><strong class="govuk-tag">{{ p.phase }}</strong></td><td>{{ p.health }}</td></tr>{% endfor %}
</tbody></table></main></body></html>
"""

PROJECTS: list[dict[str, Any]] = [
    {
        "slug": f"project-{i}",
        "title": f"Catalyst project number {i} with a title of typical length",
        "partner": f"Partner organisation {i % 12}",
        "phase": ("discovery", "alpha", "private_beta", "public_beta", "live", "retired")[i % 6],
        "health": ("green", "amber", "red")[i % 3],
    }
    for i in range(40)
]

BODY = {"status": "ok", "items": PROJECTS[:5]}


@get("/json", sync_to_thread=False)
def bare_json() -> dict[str, Any]:
    return BODY


@get("/page", media_type=MediaType.HTML, sync_to_thread=False)
def bare_page() -> Template:
    return Template(template_name="page.html", context={"title": "Portfolio", "projects": PROJECTS})


@post("/phase", status_code=200, sync_to_thread=False)
def bare_phase(data: dict[str, Any]) -> Response[dict[str, Any]]:
    """What a phase change's answer looks like, with none of the work: the load generator's ceiling."""
    return Response({"status": "ok", "kind": data.get("kind")}, headers={"etag": '"2"'})


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(
    route_handlers=[bare_json, bare_page, bare_phase, healthz],
    template_config=TemplateConfig(
        instance=JinjaTemplateEngine.from_environment(
            Environment(loader=DictLoader({"page.html": PAGE}), autoescape=True)
        )
    ),
    openapi_config=None,
)
