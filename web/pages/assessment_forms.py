"""The assessment form, for a delivery lead's panel and for a partner's team self-assessment alike.

GOV.UK's one thing per page: start (the gate, the kind, the date, the panel), then one page per
standard with its guidance beside the questions, then "check your answers", where the draft is kept,
published (staff) or submitted to CDPS (a partner's self-assessment). Plain forms and redirects,
so all of it works without JavaScript. Every page saves to the portfolio, which decides who may do
what: the pages only show its answers, each beside the field it names.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from shared import standards
from web.context import Language, PageLanguage, SignedIn, is_staff, signed_in_only
from web.pages import labels, validation
from web.pages.assessments import gate_name, report_groups
from web.pages.common import (
    Errors,
    HxRequest,
    Reply,
    api_errors,
    bilingual_body,
    bilingual_fields,
    call,
    date_parts,
    form_date_parts,
    page,
    parse_date,
    parse_version,
    read,
    request_key,
    request_key_in,
    today,
)  # fmt: skip

GATES = ("alpha", "private_beta", "public_beta", "live")
RATING_CHOICES = ("met", "partly_met", "not_met", "not_assessed")
TEXTS = ("evidence_en", "evidence_cy", "recommendations_en", "recommendations_cy")
REASON = ("reason_cy", "reason_en")  # why a standard was not assessed: one bilingual text


def refused(reply: Reply) -> None:
    """The portfolio's 404 and 401/403 are the page's own."""
    if reply.status == 404:
        raise NotFoundException()
    if reply.status in (401, 403):
        raise PermissionDeniedException()


async def editable(request: HxRequest, assessment_id: uuid.UUID) -> tuple[dict[str, Any], int]:
    """The assessment in full and its version; a summary (the public's view) has no form."""
    reply = await call(request, "portfolio", "GET", f"/api/v1/assessments/{assessment_id}")
    refused(reply)
    if not reply.ok or "status" not in (reply.body or {}) or reply.version is None:
        raise NotFoundException()
    return reply.body, reply.version


# Starting -----------------------------------------------------------------------------------------


def start_options(lang: Language, account: Any) -> dict[str, Any]:
    _ = lang._
    # A partner's team assesses itself; only CDPS runs a panel.
    own = {"self_assessment": labels.ASSESSMENT_KINDS["self_assessment"]}
    kinds = labels.ASSESSMENT_KINDS if is_staff(account) else own
    return {
        "gate_options": [(code, _("Into %(phase)s", phase=labels.name(_, labels.PHASES, code).lower()), None)
                         for code in GATES],
        "kind_options": [(code, _(name), None) for code, name in kinds.items()],
    }  # fmt: skip


PANEL_ROWS = 3
"""The empty rows a fresh start form offers for the panel; "Add another person" adds one more (a plain
submit, so it works without JavaScript)."""
PANEL_MOST = 20  # the portfolio's limit (assessments.Panel)
PANEL_FIELDS = ("name", "role_cy", "role_en")


def panel_rows(form: Any) -> list[dict[str, str]]:
    """The panel's rows as the form sent them: ``panel-1-name``, ``panel-1-role_cy``, ``panel-1-role_en``, ..."""
    rows = []
    for number in range(1, PANEL_MOST + 1):
        if f"panel-{number}-name" not in form:
            break
        rows.append({f: str(form.get(f"panel-{number}-{f}", "")).strip() for f in PANEL_FIELDS})
    return rows


def panel_errors(lang: Language, rows: list[dict[str, str]], errors: Errors) -> None:
    """Each row's over-long field, and a role given without the name of whose it is."""
    for number, row in enumerate(rows, start=1):
        if not row["name"] and (row["role_cy"] or row["role_en"]):
            errors.add(f"panel-{number}-name", lang._("Enter the name of panel member %(number)d, or clear their role",
                                                      number=number))  # fmt: skip
        validation.check_row(lang, f"panel-{number}", number, row, validation.PANEL_MEMBER, errors)


def panel_body(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The members to send (the rows with a name, Welsh and English role each in its language) and
    the form field each of the portfolio's errors about them goes beside (``panel[0].role.cy``)."""
    members: list[dict[str, Any]] = []
    targets = {"panel": "panel-1-name"}
    for number, row in enumerate(rows, start=1):
        if not row["name"]:
            continue
        sent = f"panel[{len(members)}]"
        members.append({"name": row["name"], "role": bilingual_body(row, "role")})
        row_id = f"panel-{number}"
        targets |= {f"{sent}.name": f"{row_id}-name", f"{sent}.role": f"{row_id}-role_cy",
                    f"{sent}.role.cy": f"{row_id}-role_cy", f"{sent}.role.en": f"{row_id}-role_en"}  # fmt: skip
    return members, targets


def empty_rows(count: int) -> list[dict[str, str]]:
    return [dict.fromkeys(PANEL_FIELDS, "") for _ in range(count)]


@get("/assessments/new", guards=[signed_in_only])
async def start_form(
    request: HxRequest, lang: PageLanguage, account: SignedIn, project: FromQuery[uuid.UUID]
) -> Template:
    found = await read(request, "portfolio", f"/api/v1/projects/{project}")
    following = {"discovery": "alpha", "alpha": "private_beta", "private_beta": "public_beta", "public_beta": "live"}
    kind = "formal_assessment" if is_staff(account) else "self_assessment"
    values = {"to_phase": following.get(found["phase"], ""), "kind": kind, "held_on": date_parts(today()),
              "panel": empty_rows(PANEL_ROWS)}  # fmt: skip
    return await page(request, "assessments/start.html", project=found, values=values, errors=Errors(),
                      request_key=request_key(), panel_most=PANEL_MOST, **start_options(lang, account))  # fmt: skip


@post("/assessments/new", guards=[signed_in_only])
async def start(request: HxRequest, lang: PageLanguage, account: SignedIn) -> Response[Any]:
    _ = lang._
    form = await request.form()
    try:
        project_id = uuid.UUID(str(form.get("project", "")))
    except ValueError:
        raise NotFoundException() from None
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    rows = panel_rows(form) or empty_rows(PANEL_ROWS)
    values = {"to_phase": str(form.get("to_phase", "")), "kind": str(form.get("kind", "")),
              "held_on": form_date_parts(form, "held_on"), "panel": rows}  # fmt: skip
    key = request_key_in(form) or request_key()
    if "add_member" in form:  # another empty row for the panel, nothing sent yet
        values["panel"] = rows + empty_rows(1 if len(rows) < PANEL_MOST else 0)
        return await page(request, "assessments/start.html", project=project, values=values, errors=Errors(),
                          request_key=key, panel_most=PANEL_MOST, **start_options(lang, account))  # fmt: skip
    errors = Errors()
    if values["to_phase"] not in GATES:
        errors.add("to_phase", _("Choose the gate the project is assessed at"))
    if values["kind"] not in labels.ASSESSMENT_KINDS:
        errors.add("kind", _("Choose the kind of assessment"))
    held_on, _given = parse_date(form, "held_on")
    if held_on is None:
        errors.add("held_on-day", _("Enter the date of the assessment, like 27 3 2026"))
    panel_errors(lang, rows, errors)
    members, targets = panel_body(rows)
    if not errors:
        body = {"to_phase": values["to_phase"], "kind": values["kind"],
                "held_on": held_on.isoformat() if held_on else None, "panel": members}  # fmt: skip
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/assessments", json=body,
                           key=request_key_in(form))  # fmt: skip
        refused(reply)
        if reply.ok:
            return Redirect(f"/assessments/{reply.body['id']}/standards/1", status_code=303)
        errors = api_errors(request, reply, {"held_on": "held_on-day", **targets})
    return await page(request, "assessments/start.html", status=422, project=project, values=values, errors=errors,
                      request_key=key, panel_most=PANEL_MOST, **start_options(lang, account))  # fmt: skip


# One standard a page --------------------------------------------------------------------------------


async def standard_page(
    request: HxRequest, lang: Language, assessment: dict[str, Any], version: int, number: int,
    values: dict[str, Any], errors: Errors, status: int = 200,
) -> Template:  # fmt: skip
    _ = lang._
    set_ = standards.standards(assessment["standards_version"])
    standard = set_[number - 1]
    group = standards.GROUPS[standard.group]
    project = await read(request, "portfolio", f"/api/v1/projects/{assessment['project_id']}")
    return await page(
        request, "assessments/standard.html", status=status, assessment=assessment, project=project, version=version,
        standard=standard, group=group[0] if lang.code == "en" else group[1], count=len(set_), values=values,
        errors=errors, gate=gate_name(lang, assessment),
        rating_options=[(code, _(labels.RATINGS[code]), None) for code in RATING_CHOICES],
    )  # fmt: skip


def numbered(assessment: dict[str, Any], number: int) -> None:
    if not 1 <= number <= len(standards.standards(assessment["standards_version"])):
        raise NotFoundException()


@get("/assessments/{assessment_id:uuid}/standards/{number:int}", guards=[signed_in_only])
async def standard_form(
    request: HxRequest, lang: PageLanguage, assessment_id: FromPath[uuid.UUID], number: FromPath[int]
) -> Response[Any]:
    assessment, version = await editable(request, assessment_id)
    numbered(assessment, number)
    if assessment["status"] == "published":
        return Redirect(f"/assessments/{assessment_id}", status_code=303)
    given: dict[str, Any] = next((r for r in assessment["ratings"] if r["standard"] == number), {})
    values = {"rating": given.get("rating") or "", **{f: given.get(f, "") for f in TEXTS},
              **bilingual_fields("reason", given.get("reason"))}  # fmt: skip
    return await standard_page(request, lang, assessment, version, number, values, Errors())


@post("/assessments/{assessment_id:uuid}/standards/{number:int}", guards=[signed_in_only])
async def save_standard(
    request: HxRequest, lang: PageLanguage, assessment_id: FromPath[uuid.UUID], number: FromPath[int]
) -> Response[Any]:
    form = await request.form()
    assessment, current = await editable(request, assessment_id)
    numbered(assessment, number)
    values = {"rating": str(form.get("rating", "")), **{f: str(form.get(f, "")).strip() for f in TEXTS + REASON}}
    errors = validation.check(lang, values, validation.NOT_ASSESSED_REASON + validation.STANDARD_TEXTS)
    if errors:  # nothing is sent with a field too long (the portfolio would refuse it, each field named)
        return await standard_page(request, lang, assessment, current, number, values, errors, status=422)
    rating = {"standard": number, "rating": values["rating"] if values["rating"] in RATING_CHOICES else None,
              **{f: values[f] for f in TEXTS}, "reason": bilingual_body(values, "reason")}  # fmt: skip
    version = parse_version(str(form.get("version", ""))) or 0
    reply = await call(request, "portfolio", "PATCH", f"/api/v1/assessments/{assessment_id}",
                       json={"ratings": [rating]}, version=version)  # fmt: skip
    refused(reply)
    if reply.ok:
        following = number + 1
        if following > len(standards.standards(assessment["standards_version"])) or form.get("to") == "check":
            return Redirect(f"/assessments/{assessment_id}/check", status_code=303)
        return Redirect(f"/assessments/{assessment_id}/standards/{following}", status_code=303)
    errors = api_errors(request, reply, {"": "rating", f"ratings.{number}.reason": "reason_cy"})
    return await standard_page(request, lang, assessment, current, number, values, errors, status=reply.status)


# Check your answers --------------------------------------------------------------------------------


async def check_page(
    request: HxRequest, lang: Language, account: Any, assessment: dict[str, Any], version: int,
    values: dict[str, Any], errors: Errors, status: int = 200,
) -> Template:  # fmt: skip
    project = await read(request, "portfolio", f"/api/v1/projects/{assessment['project_id']}")
    may_publish = is_staff(account)
    may_submit = not may_publish and assessment["kind"] == "self_assessment" and assessment["status"] == "draft"
    return await page(
        request, "assessments/check.html", status=status, assessment=assessment, project=project, version=version,
        groups=report_groups(lang, assessment), gate=gate_name(lang, assessment), values=values, errors=errors,
        may_publish=may_publish, may_submit=may_submit,
        outcome_options=[("", lang._("As the ratings say"), None)] + [
            (code, lang._(labels.RATINGS[code]), None) for code in ("met", "not_met")],
    )  # fmt: skip


@get("/assessments/{assessment_id:uuid}/check", guards=[signed_in_only])
async def check_form(
    request: HxRequest, lang: PageLanguage, account: SignedIn, assessment_id: FromPath[uuid.UUID]
) -> Response[Any]:
    assessment, version = await editable(request, assessment_id)
    if assessment["status"] == "published":
        return Redirect(f"/assessments/{assessment_id}", status_code=303)
    values = {f: assessment.get(f) or "" for f in ("panel_outcome", "summary_en", "summary_cy")}
    values |= bilingual_fields("override_reason", assessment.get("override_reason"))
    return await check_page(request, lang, account, assessment, version, values, Errors())


def error_targets(assessment: dict[str, Any]) -> dict[str, str]:
    """Where each field the portfolio may name goes on the check page: a standard's row, or its own field."""
    targets = {"panel": "panel", "override_reason": "override_reason_cy", "": "action"}
    for standard in standards.standards(assessment["standards_version"]):
        for part in ("rating", "reason", "standard"):
            targets[f"ratings.{standard.number}.{part}"] = f"standard-{standard.number}"
    return targets


@post("/assessments/{assessment_id:uuid}/check", guards=[signed_in_only])
async def finish(
    request: HxRequest, lang: PageLanguage, account: SignedIn, assessment_id: FromPath[uuid.UUID]
) -> Response[Any]:
    """Keep the draft, publish it (staff) or submit it to CDPS (a partner's self-assessment)."""
    form = await request.form()
    assessment, current = await editable(request, assessment_id)
    action = str(form.get("action", "draft"))
    version = parse_version(str(form.get("version", ""))) or 0
    fields = ("panel_outcome", "override_reason_cy", "override_reason_en", "summary_en", "summary_cy")
    values = {f: str(form.get(f, "")).strip() for f in fields}
    rules = validation.ASSESSMENT_SUMMARIES + (validation.OVERRIDE_REASON if is_staff(account) else ())
    errors = validation.check(lang, values, rules)
    if errors:
        return await check_page(request, lang, account, assessment, current, values, errors, status=422)
    changes: dict[str, Any] = {"summary_en": values["summary_en"], "summary_cy": values["summary_cy"]}
    if is_staff(account):
        changes |= {
            "panel_outcome": values["panel_outcome"] or None,
            "override_reason": bilingual_body(values, "override_reason"),
        }
    reply = await call(request, "portfolio", "PATCH", f"/api/v1/assessments/{assessment_id}", json=changes,
                       version=version)  # fmt: skip
    refused(reply)
    if reply.ok and action in ("publish", "submit"):
        reply = await call(request, "portfolio", "POST", f"/api/v1/assessments/{assessment_id}/{action}",
                           version=reply.version)  # fmt: skip
        refused(reply)
    if reply.ok:
        return Redirect(f"/assessments/{assessment_id}", status_code=303)
    assessment, current = await editable(request, assessment_id)
    errors = api_errors(request, reply, error_targets(assessment))
    return await check_page(request, lang, account, assessment, current, values, errors, status=reply.status)
