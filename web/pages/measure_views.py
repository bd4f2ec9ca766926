"""What the pages show of a measure: its name in the page's language, its values as people read
them (86%, £3.80), a small chart with its target and the table of its monthly values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from shared import bilingual, vocabulary
from web import charts
from web.accounts import Account
from web.context import Language, is_staff
from web.i18n import N_
from web.pages.common import HxRequest, read_or_none

LIVE_AND_BETA = ("private_beta", "public_beta", "live")
TRENDS = {"better": N_("Better than the month before"), "worse": N_("Worse than the month before"),
          "same": N_("The same as the month before")}  # fmt: skip
TREND_TAGS = {"better": "govuk-tag--green", "worse": "govuk-tag--red", "same": "govuk-tag--grey"}


def number_text(lang: Language, value: float, unit: str) -> str:
    """A value as people read it: 86%, £3.80, 1,234, 12 munud."""
    locale = "en_GB" if lang.code == "en" else "cy_GB"
    plain = format_decimal(value, format="#,##0.##", locale=locale)
    if unit == "percent":
        return f"{plain}%"
    if unit == "pounds":
        return "£" + format_decimal(value, format="#,##0.00", locale=locale)
    if unit == "minutes":
        return lang._("%(num)s minute", num=plain) if value == 1 else lang._("%(num)s minutes", num=plain)
    if unit == "days":
        return lang._("%(num)s day", num=plain) if value == 1 else lang._("%(num)s days", num=plain)
    return plain


def month_text(lang: Language, month: str, pattern: str = "LLL y") -> str:
    return format_date(dt.date.fromisoformat(str(month)[:10]), pattern, locale=lang.code)


def _lang(lang: Language) -> vocabulary.Lang:
    return "en" if lang.code == "en" else "cy"


def name_of(lang: Language, measure: dict[str, Any]) -> tuple[str, str]:
    """(its name, the language it is in): the catalogue's words, or the project's own as written."""
    if measure.get("catalogue"):
        return vocabulary.name(vocabulary.MEASURES, str(measure["catalogue"]), _lang(lang)), lang.code
    seen = bilingual.shown(bilingual.read(measure.get("name")), _lang(lang))
    return seen.text, seen.lang


def view(lang: Language, measure: dict[str, Any]) -> dict[str, Any]:
    """What a page shows of a measure: its name, chart, table and latest value against its target."""
    _ = lang._
    unit, target = str(measure["unit"]), measure.get("target")
    values = measure.get("values") or []
    name, name_lang = name_of(lang, measure)
    target_text = number_text(lang, float(target), unit) if target is not None else ""
    latest = values[-1] if values else None
    return {
        "id": measure["id"], "version": measure["version"], "name": name, "name_lang": name_lang,
        "own": not measure.get("catalogue"), "published": measure.get("published"),
        "unit": _(vocabulary.MEASURE_UNITS.get(unit, unit)),
        "direction": _(vocabulary.MEASURE_DIRECTIONS.get(str(measure["direction"]), "")),
        "target": target, "target_text": target_text, "met": measure.get("met"), "trend": measure.get("trend"),
        "latest_text": number_text(lang, float(latest["value"]), unit) if latest else "",
        "latest_month": month_text(lang, latest["month"], "LLLL y") if latest else "",
        "rows": [(month_text(lang, v["month"], "LLLL y"), number_text(lang, float(v["value"]), unit)) for v in values],
        "svg": charts.line_chart([(month_text(lang, v["month"]), float(v["value"])) for v in values], target,
                                 _("Target %(value)s", value=target_text) if target is not None else ""),
        "project_id": measure["project_id"],
    }  # fmt: skip


def may_record(account: Account | None, project: dict[str, Any]) -> bool:
    """Staff, or someone of the project's own partner."""
    if account is None:
        return False
    return is_staff(account) or (
        account.role == "partner" and bool(project.get("partner_id"))
        and str(account.partner_id) == str(project.get("partner_id"))
    )  # fmt: skip


async def project_measures(request: HxRequest, lang: Language, project: dict[str, Any]
                           ) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    found, error = await read_or_none(request, "portfolio", f"/api/v1/projects/{project['id']}/measures")
    return [view(lang, m) for m in found or []], error
