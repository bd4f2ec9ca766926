"""Compose a week's weeknote from its events. Pure: events in, a bilingual weeknote out.

Only public records appear: an event of a project that was public when it happened *and* is
public now (a project withdrawn from public after its event leaves the draft at once, and is
not published). Text written by people (update bodies, reasons) is shown in the
language it was written in; where the other language is missing the item says so, and the gap is
listed for staff. Interface wording comes from the templates in both languages, never from
machine translation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any, Literal

import msgspec

from shared import bilingual, vocabulary, welsh
from shared.vocabulary import CHALLENGE_AREAS, HEALTH, NO_CHALLENGE_AREA, PHASES

Language = Literal["cy", "en"]

OTHER_WORK = "other"
"""The area of a project with no challenge area."""
AREAS = (*CHALLENGE_AREAS, OTHER_WORK)
"""The order of the weeknote's sections."""


def area_name(area: str, lang: Language) -> str:
    if area == OTHER_WORK:
        return vocabulary.translations(lang).gettext(NO_CHALLENGE_AREA)
    return vocabulary.name(CHALLENGE_AREAS, area, lang)


def _in_sentence(table: dict[str, str], code: str, lang: Language) -> str:
    """A phase or health as it reads inside a sentence: "moved from discovery to alpha"."""
    return vocabulary.name(table, code, lang).lower()


class WeekEvent(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    type: str
    occurred_at: dt.datetime
    aggregate_id: uuid.UUID
    data: dict[str, Any]
    public_now: bool
    """Whether the project the event is about is public as the weeknote is composed."""


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the weeknote, already worded in both languages."""

    id: uuid.UUID
    kind: Literal["created", "phase", "health", "update", "assessment", "measure", "measure_fell_back"]
    text_en: str
    text_cy: str
    said_en: str = ""
    """What a person wrote, shown in the English weeknote ('' if they wrote nothing in English)."""
    said_cy: str = ""


class ProjectSection(msgspec.Struct, kw_only=True):
    project_id: uuid.UUID
    slug: str
    """The project page's address (slugs never change)."""
    title_en: str
    title_cy: str
    area: str
    items: list[Item]


class Weeknote(msgspec.Struct, kw_only=True):
    week: dt.date
    projects: list[ProjectSection]
    counts: dict[str, int]
    new_partners: list[tuple[str, str]]
    missing: list[tuple[str, Language]]
    """(item id, language) where a person's text lacks that language: for staff to fill in."""

    def areas(self) -> list[tuple[str, list[ProjectSection]]]:
        """Projects grouped by challenge area, in the catalogue's order."""
        grouped: dict[str, list[ProjectSection]] = {}
        for section in self.projects:
            grouped.setdefault(section.area, []).append(section)
        return [(area, grouped[area]) for area in AREAS if area in grouped]


def _said(en: str, cy: str) -> dict[str, str]:
    return {"said_en": en.strip(), "said_cy": cy.strip()}


def _reason(reason: Any) -> dict[str, str]:
    """A reason (``shared.bilingual``; one string in events kept before it was bilingual, read into the
    language it is told to be in): each weeknote shows its own language, the other marked as the only one."""
    text = bilingual.read(reason)
    return _said(text.en, text.cy)


def _item(event: WeekEvent) -> Item | None:
    data = event.data
    if event.type == "portfolio.project.created":
        return Item(id=event.id, kind="created", text_en="New project started.", text_cy="Dechreuwyd prosiect newydd.")
    if event.type == "portfolio.project.phase_changed":
        kind, to_phase, from_phase = data["kind"], data["to_phase"], data["from_phase"]
        to_en, to_cy = _in_sentence(PHASES, to_phase, "en"), _in_sentence(PHASES, to_phase, "cy")
        from_en, from_cy = _in_sentence(PHASES, from_phase, "en"), _in_sentence(PHASES, from_phase, "cy")
        reason = data.get("reason")
        if kind == "stop":
            stopped_cy = f"Ataliwyd yn y cam {from_cy}."
            return Item(id=event.id, kind="phase", text_en=f"Stopped in {from_en}.", text_cy=stopped_cy,
                        **_reason(reason))  # fmt: skip
        if kind in ("pause", "resume", "reopen"):
            words = {"pause": ("Paused.", "Wedi'i roi ar saib."), "resume": ("Resumed.", "Wedi ailddechrau."),
                     "reopen": ("Reopened.", "Wedi'i ailagor.")}[kind]  # fmt: skip
            return Item(id=event.id, kind="phase", text_en=words[0], text_cy=words[1], **_reason(reason))
        return Item(id=event.id, kind="phase", text_en=f"Moved from {from_en} to {to_en}.",
                    text_cy=f"Symudodd o'r cam {from_cy} i'r cam {to_cy}.", **_reason(reason))  # fmt: skip
    if event.type == "portfolio.project.health_changed":
        to_en, to_cy = _in_sentence(HEALTH, data["to_health"], "en"), _in_sentence(HEALTH, data["to_health"], "cy")
        reason = data.get("reason")
        return Item(id=event.id, kind="health", text_en=f"Health is now {to_en}.",
                    text_cy=f"Mae'r iechyd bellach {welsh.predicative(to_cy)}.", **_reason(reason))  # fmt: skip
    if event.type == "portfolio.assessment.published":
        assessment = data["assessment"]
        langs: tuple[Language, ...] = ("en", "cy")
        gate = {lang: (_in_sentence(PHASES, assessment["from_phase"], lang),
                       _in_sentence(PHASES, assessment["to_phase"], lang)) for lang in langs}  # fmt: skip
        met = assessment.get("outcome") == "met"
        return Item(id=event.id, kind="assessment",
                    text_en=f"Assessed at the gate from {gate['en'][0]} to {gate['en'][1]}: "
                            f"{'met' if met else 'did not meet'} the standards.",
                    text_cy=f"Aseswyd wrth y porth o'r cam {gate['cy'][0]} i'r cam {gate['cy'][1]}: "
                            f"{'wedi bodloni' if met else 'heb fodloni'}'r safonau.")  # fmt: skip
    if event.type == "portfolio.measure.values_recorded" and event.data.get("latest"):
        return _measure_item(event)
    if event.type == "portfolio.project.update_posted":
        return Item(id=event.id, kind="update", text_en="Update:", text_cy="Diweddariad:",
                    **_said(data.get("body_en", ""), data.get("body_cy", "")))  # fmt: skip
    return None


def _measure_item(event: WeekEvent) -> Item | None:
    """A measure that reached its target, or fell back from it: below it, or above it where lower is better."""
    measure, latest, crossing = event.data["measure"], event.data["latest"], event.data.get("crossing")
    if measure.get("catalogue"):
        name_en, name_cy = vocabulary.both_names(vocabulary.MEASURES, str(measure["catalogue"]))
    else:
        name_en, name_cy = str(measure["name"].get("en") or ""), str(measure["name"].get("cy") or "")
    en, cy = name_en or name_cy, name_cy or name_en
    value = _measure_value(float(latest["value"]), str(measure["unit"]))
    if crossing == "reached":
        return Item(id=event.id, kind="measure", text_en=f"‘{en}’ reached its target: {value}.",
                    text_cy=f"Cyrhaeddodd y mesur ‘{cy}’ ei darged: {value}.")  # fmt: skip
    if crossing != "fell_back":
        return None
    if measure.get("direction") == "down":
        return Item(id=event.id, kind="measure_fell_back", text_en=f"‘{en}’ rose above its target: {value}.",
                    text_cy=f"Cododd y mesur ‘{cy}’ uwchlaw ei darged: {value}.")  # fmt: skip
    return Item(id=event.id, kind="measure_fell_back", text_en=f"‘{en}’ fell below its target: {value}.",
                text_cy=f"Syrthiodd y mesur ‘{cy}’ o dan ei darged: {value}.")  # fmt: skip


def _measure_value(value: float, unit: str) -> str:
    number = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{number}%" if unit == "percent" else f"£{value:,.2f}" if unit == "pounds" else number


def compose(week: dt.date, events: list[WeekEvent], hidden: frozenset[uuid.UUID] = frozenset()) -> Weeknote:
    """The weeknote for ``week`` from its events (in any order), leaving out ``hidden`` items."""
    sections: dict[uuid.UUID, ProjectSection] = {}
    counts: Counter[str] = Counter()
    partners: list[tuple[str, str]] = []
    missing: list[tuple[str, Language]] = []
    for event in sorted(events, key=lambda e: (e.occurred_at, str(e.id))):
        if event.id in hidden:
            continue
        if event.type == "portfolio.engagement.recorded":
            counts["engagements"] += 1  # engagements are not public records: counted, never described
            continue
        if event.type == "portfolio.support.requested":
            counts["support_requests"] += 1  # no personal data in a weeknote
            continue
        if event.type == "portfolio.partner.registered" and event.data["partner"]["active"]:
            partners.append((event.data["partner"]["name_en"], event.data["partner"]["name_cy"]))
            continue
        project = event.data.get("project") or event.data.get("for_project")
        if project is None or project.get("visibility") != "public" or not event.public_now:
            continue
        item = _item(event)
        if item is None:
            continue
        counts[item.kind] += 1
        if item.kind == "update" or item.said_en or item.said_cy:
            for lang, said in (("en", item.said_en), ("cy", item.said_cy)):
                if not said:
                    missing.append((str(item.id), lang))  # type: ignore[arg-type]
        section = sections.setdefault(event.aggregate_id, ProjectSection(
            project_id=event.aggregate_id, slug=project["slug"], title_en=project["title_en"],
            title_cy=project["title_cy"], area=(project.get("tags") or [OTHER_WORK])[0], items=[],
        ))  # fmt: skip
        section.title_en, section.title_cy = project["title_en"], project["title_cy"]  # the newest title
        section.items.append(item)
    counts["partners"] = len(partners)
    ordered = sorted(sections.values(), key=lambda s: s.title_en.lower())
    return Weeknote(week=week, projects=ordered, counts=dict(counts), new_partners=partners, missing=missing)


def summary(note: Weeknote, lang: Language) -> str:
    """One line, e.g. "3 projects moved phase, 2 new engagements"."""
    c = note.counts
    parts: list[str] = []
    if lang == "en":
        phrases = [("phase", "project moved phase", "projects moved phase"), ("created", "new project", "new projects"),
                   ("update", "update", "updates"), ("health", "health change", "health changes"),
                   ("assessment", "assessment published", "assessments published"),
                   ("measure", "measure reached its target", "measures reached their targets"),
                   ("measure_fell_back", "measure fell back from its target", "measures fell back from their targets"),
                   ("engagements", "new engagement", "new engagements"), ("partners", "new partner", "new partners"),
                   ("support_requests", "request for support", "requests for support")]  # fmt: skip
        parts = [f"{c[key]} {one if c[key] == 1 else many}" for key, one, many in phrases if c.get(key)]
        return ", ".join(parts) if parts else "A quiet week: nothing changed in the public portfolio"
    # Welsh: a noun after a numeral stays singular ("3 prosiect").
    welsh = [("phase", "prosiect wedi symud cam"), ("created", "prosiect newydd"), ("update", "diweddariad"),
             ("health", "newid iechyd"), ("assessment", "asesiad wedi'i gyhoeddi"),
             ("measure", "mesur wedi cyrraedd ei darged"), ("measure_fell_back", "mesur wedi llithro'n ôl o'i darged"),
             ("engagements", "ymgysylltiad newydd"), ("partners", "partner newydd"),
             ("support_requests", "cais am gymorth")]  # fmt: skip
    parts = [f"{c[key]} {noun}" for key, noun in welsh if c.get(key)]
    return ", ".join(parts) if parts else "Wythnos dawel: ni newidiodd dim yn y portffolio cyhoeddus"
