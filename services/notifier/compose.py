"""From a notice (what happened) to an email (subject, text, HTML) in the recipient's language.

The placeholders each template receives are built here, one function per template; their names
are the contract in ``rendering.EMAILS`` (a test checks that both agree).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import msgspec

from services.notifier import domain
from services.notifier.domain import RHYTHMS, ROLES, Lang, Language, pick
from services.notifier.links import LinkClaims, Links
from services.notifier.rendering import Templates
from shared import bilingual
from shared.events import (
    AssessmentPublished,
    CommentPosted,
    EngagementRecorded,
    Envelope,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectUpdatePosted,
    SupportRequested,
    SupportTriaged,
)
from shared.vocabulary import (
    ASSESSMENT_KINDS,
    ENGAGEMENT_KINDS,
    HEALTH,
    LANGUAGES,
    PHASE_CHANGES,
    PHASES,
    RATINGS,
    STATES,
    URGENCY,
    long_date,
    name,
)

Context = dict[str, Any]
Payload = dict[str, Any]


class Email(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None
    content_language: str


_ONLY_IN = {("cy", "en"): "Yn Saesneg yn unig", ("en", "cy"): "Written in Welsh only"}
"""The note beside text people wrote in the other language only, by (reader's, text's) language."""


def _written(field: str, text: str, written_in: Lang, lang: Lang) -> Context:
    """``field``'s language (for ``lang=``) and, if it is not the reader's, the note that says so."""
    return {f"{field}_lang": written_in, f"{field}_only": _ONLY_IN.get((lang, written_in), "") if text else ""}


def _text(field: str, value: Any, lang: Lang) -> Context:
    """Text people wrote (``shared.bilingual``) for ``field``: in the reader's language when it exists,
    else in the other, with its language (for ``lang=``) and the note that it is the only one. A
    plain string (a field from before it was bilingual) is in the language it is told to be in."""
    seen = bilingual.shown(bilingual.read(value), lang)
    return {field: seen.text, f"{field}_lang": seen.lang, f"{field}_only": bilingual.note(bilingual.read(value), lang)}


def _reason(reason: Any, lang: Lang) -> Context:
    """A reason, in the reader's language where it has one."""
    return _text("reason", reason, lang)


def _names(payload: Payload, kind: str, lang: Lang) -> str:
    names = (payload.get("names") or {}).get(kind)
    return pick(names["en"], names["cy"], lang) if names else ""


def _project(event: ProjectCreated | ProjectPhaseChanged | ProjectHealthChanged | ProjectUpdatePosted,
             payload: Payload, lang: Lang, links: Links) -> Context:  # fmt: skip
    project = event.project
    return {
        "title": pick(project.title_en, project.title_cy, lang),
        "summary": pick(project.summary_en, project.summary_cy, lang),
        "phase": name(PHASES, project.phase, lang),
        "state": name(STATES, project.state, lang),
        "health": name(HEALTH, project.health, lang),
        "partner": _names(payload, "partner", lang),
        "project_url": links.project(project.slug, public=project.visibility == "public"),
    }


def event_context(payload: Payload, lang: Lang, links: Links) -> tuple[str, Context]:
    """(template, placeholders) for an event notice, without the unsubscribe link."""
    envelope = msgspec.convert(payload["envelope"], Envelope)
    event = envelope.payload()
    template = domain.TEMPLATE_FOR_EVENT[envelope.type]
    if isinstance(event, ProjectCreated):
        return template, _project(event, payload, lang, links)
    if isinstance(event, ProjectPhaseChanged):
        return template, _project(event, payload, lang, links) | {
            "change": name(PHASE_CHANGES, event.kind, lang), "from_phase": name(PHASES, event.from_phase, lang),
            "to_phase": name(PHASES, event.to_phase, lang), "effective": long_date(event.effective, lang),
            "assessment_url": event.assessment_url or "", **_reason(event.reason, lang),
        }  # fmt: skip
    if isinstance(event, ProjectHealthChanged):
        return template, _project(event, payload, lang, links) | {
            "from_health": name(HEALTH, event.from_health, lang), "to_health": name(HEALTH, event.to_health, lang),
            **_reason(event.reason, lang),
        }  # fmt: skip
    if isinstance(event, ProjectUpdatePosted):
        body = pick(event.body_en, event.body_cy, lang)
        other: Lang = "en" if lang == "cy" else "cy"
        body_lang = lang if (event.body_cy if lang == "cy" else event.body_en).strip() else other
        return template, _project(event, payload, lang, links) | {
            "posted_on": long_date(event.posted_on, lang), "body": body, **_written("body", body, body_lang, lang),
        }  # fmt: skip
    if isinstance(event, AssessmentPublished):
        now, assessed = event.assessment, event.for_project
        gate = f"{name(PHASES, now.from_phase, lang)} → {name(PHASES, now.to_phase, lang)}"
        # A project that is not public is read signed in: its links go through the sign-in page.
        private = assessed.visibility != "public"
        report_url = links.assessment(envelope.aggregate_id)
        return template, {
            "title": pick(assessed.title_en, assessed.title_cy, lang), "partner": _names(payload, "partner", lang),
            "project_url": links.project(assessed.slug, public=not private), "gate": gate,
            "assessment_kind": name(ASSESSMENT_KINDS, now.kind, lang), "held_on": long_date(now.held_on, lang),
            "outcome": name(RATINGS, now.outcome or "", lang),
            "report_url": links.signed_in(report_url) if private else report_url, "sign_in": private,
        }  # fmt: skip
    if isinstance(event, CommentPosted):
        talked_on = event.for_project
        cdps = event.author_role in ("admin", "lead")
        who = "CDPS" if cdps else (_names(payload, "partner", lang) or {"cy": "Y partner", "en": "The partner"}[lang])
        return template, {
            "title": pick(talked_on.title_en, talked_on.title_cy, lang), "partner": _names(payload, "partner", lang),
            # A staff-only note is read signed in as staff, even on a public project's page.
            "project_url": links.project(talked_on.slug, public=talked_on.visibility == "public" and not event.internal,
                                         fragment="#conversation"), "author": who,
            "internal": "yes" if event.internal else "", **_text("comment", event.body, lang),
        }  # fmt: skip
    if isinstance(event, EngagementRecorded):
        project = (payload.get("names") or {}).get("project")
        return template, {
            "partner": _names(payload, "partner", lang), "project": _names(payload, "project", lang),
            # Engagements are staff records, and the event does not say whether its project is public.
            "project_url": links.project(project["slug"], public=False) if project else "",
            "engagement_kind": name(ENGAGEMENT_KINDS, event.kind, lang),
            "summary": pick(event.summary_en, event.summary_cy, lang),
            "started_on": long_date(event.started_on, lang), "ended_on": long_date(event.ended_on, lang),
        }  # fmt: skip
    if isinstance(event, SupportRequested):
        return template, {
            "organisation": event.organisation, "contact_name": event.contact_name,
            "contact_email": event.contact_email, "urgency": name(URGENCY, event.urgency, lang),
            "requested_language": name(LANGUAGES, event.language, lang), **_text("need", event.need, lang),
        }  # fmt: skip
    if isinstance(event, SupportTriaged):
        contact = payload["contact"]
        return template, {
            "contact_name": contact["name"], "organisation": contact["organisation"],
            "accepted": event.outcome == "accepted", **_reason(event.reason, lang),
        }  # fmt: skip
    raise KeyError(envelope.type)  # pragma: no cover - TEMPLATE_FOR_EVENT names only the types above


def confirmation_context(payload: Payload, lang: Lang, links: Links, lifetime: dt.timedelta) -> Context:
    claims = LinkClaims(
        subscription=uuid.UUID(payload["subscription"]), language=payload["language"], rhythm=payload["rhythm"],
        exp=int(time.time() + lifetime.total_seconds()),
    )  # fmt: skip
    return {
        "confirm_url": links.confirm(claims),
        "target": domain.target_name(payload["target_kind"], payload.get("target_names"), lang),
        "rhythm": RHYTHMS[lang][payload["rhythm"]],
    }


def digest_context(payload: Payload, lang: Lang, links: Links, templates: Templates) -> Context:
    items = []
    for item in payload["items"]:
        template, context = event_context(item, lang, links)
        headline, _ = templates.text(template, lang, context | {"unsubscribe_url": None})
        occurred = dt.datetime.fromisoformat(item["envelope"]["occurred_at"]).date()
        items.append({"headline": headline, "url": context.get("project_url", ""), "date": long_date(occurred, lang)})
    return {
        "items": items,
        "period_start": long_date(dt.date.fromisoformat(payload["period_start"]), lang),
        "period_end": long_date(dt.date.fromisoformat(payload["period_end"]), lang),
        "target": domain.target_name(payload["target_kind"], payload.get("target_names"), lang),
    }


class Composer:
    """Renders any delivery; shared by the sender loop and the sign-in responder."""

    def __init__(self, templates: Templates, links: Links, *, confirm_lifetime: dt.timedelta):
        self.templates = templates
        self.links = links
        self._confirm_lifetime = confirm_lifetime

    def context(self, template: str, payload: Payload, lang: Lang) -> Context:
        if template == domain.CONFIRMATION:
            return confirmation_context(payload, lang, self.links, self._confirm_lifetime)
        if template == domain.DAILY_DIGEST:
            return digest_context(payload, lang, self.links, self.templates)
        if template == domain.DIGEST:  # it goes out with the week's weeknote: it links to it
            week = payload.get("weeknote")
            weeknote_url = self.links.weeknote(dt.date.fromisoformat(week), lang) if week else ""
            return digest_context(payload, lang, self.links, self.templates) | {"weeknote_url": weeknote_url}
        if template == domain.SIGNIN:
            return {"link": payload["link"], "email": payload["email"]}
        if template == domain.INVITATION:
            return {
                "link": payload["link"], "email": payload["email"], "name": payload["name"],
                "role": ROLES[lang][payload["role"]], "invited_by": payload["invited_by"],
                "valid_until": long_date(dt.date.fromisoformat(payload["valid_until"]), lang),
                "signin_url": self.links.signin_page(),
            }  # fmt: skip
        return event_context(payload, lang, self.links)[1]

    def unsubscribe_url(
        self, template: str, recipient: str, subscription_id: uuid.UUID | None, language: Language
    ) -> str | None:
        if subscription_id is not None:
            return self.links.unsubscribe(subscription=subscription_id, language=language)
        if template in domain.ONE_OFF:
            return None  # asked for a moment ago, to sign in: not a mailing to leave
        # A reply to the recipient's own request (support triage) belongs to no subscription: its
        # link stops every email to the address.
        return self.links.unsubscribe(email=recipient, language=language)

    def compose(
        self, *, template: str, language: Language, payload: Payload, recipient: str,
        subscription_id: uuid.UUID | None,
    ) -> Email:  # fmt: skip
        unsubscribe_url = self.unsubscribe_url(template, recipient, subscription_id, language)
        # Whatever can be unsubscribed from can be managed: the address's page of subscriptions.
        manage_url = self.links.manage(recipient, language) if unsubscribe_url else None
        subjects, texts, sections = [], [], []
        for lang in domain.languages(language):
            context = self.context(template, payload, lang) | {"unsubscribe_url": unsubscribe_url}
            subject, text = self.templates.text(template, lang, context)
            subjects.append(subject)
            texts.append(text)
            sections.append({"lang": lang, "subject": subject, "html": self.templates.html(template, lang, context)})
        footers = [self.templates.footer(lang, unsubscribe_url, manage_url) for lang in domain.languages(language)]
        separator = "\n\n" + "-" * 40 + "\n\n"
        return Email(
            subject=" / ".join(dict.fromkeys(subjects)),  # Welsh first; one copy if both read the same
            text=separator.join(texts) + "\n\n" + "\n".join(f for f in footers if f) + "\n",
            html=self.templates.layout(sections, unsubscribe_url, domain.languages(language)[0], manage_url),
            unsubscribe_url=unsubscribe_url,
            content_language=", ".join(domain.languages(language)),
        )
