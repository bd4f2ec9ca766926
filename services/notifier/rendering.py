"""The email and page templates: files a non-developer can edit, checked when the service starts.

Every email has four files in ``templates/email/<name>/``: ``cy.txt``, ``en.txt`` (plain text; the
first line is ``Subject: ...``) and ``cy.html``, ``en.html`` (autoescaped). A template may only
use the placeholders listed for it below (``templates/README.md`` shows them to editors); start-up
fails with the file and the placeholder otherwise, rather than sending an email with a hole in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from markupsafe import Markup

from services.notifier.domain import Lang
from shared.settings import ConfigError

_PROJECT = {"title", "summary", "phase", "state", "health", "partner", "project_url", "unsubscribe_url"}

EMAILS: dict[str, frozenset[str]] = {
    "project_created": frozenset(_PROJECT),
    "project_phase_changed": frozenset(
        _PROJECT | {"change", "from_phase", "to_phase", "reason", "reason_lang", "reason_only", "effective",
                    "assessment_url"}
    ),
    "project_health_changed": frozenset(
        _PROJECT | {"from_health", "to_health", "reason", "reason_lang", "reason_only"}
    ),
    "project_update_posted": frozenset(_PROJECT | {"posted_on", "body", "body_lang", "body_only"}),
    "assessment_published": frozenset(
        {"title", "partner", "project_url", "gate", "assessment_kind", "held_on", "outcome", "report_url", "sign_in",
         "unsubscribe_url"}
    ),
    "comment_posted": frozenset(
        {"title", "partner", "project_url", "author", "internal", "comment", "comment_lang", "comment_only",
         "unsubscribe_url"}
    ),
    "engagement_recorded": frozenset(
        {"partner", "project", "project_url", "engagement_kind", "summary", "started_on", "ended_on",
         "unsubscribe_url"}
    ),
    "support_requested": frozenset(
        {"organisation", "contact_name", "contact_email", "need", "need_lang", "need_only", "urgency",
         "requested_language", "unsubscribe_url"}
    ),
    "support_received": frozenset(  # the requester's acknowledgement: the same notice as the staff's
        {"organisation", "contact_name", "contact_email", "need", "need_lang", "need_only", "urgency",
         "requested_language", "unsubscribe_url"}
    ),
    "support_triaged": frozenset(
        {"contact_name", "organisation", "accepted", "reason", "reason_lang", "reason_only", "unsubscribe_url"}
    ),
    "subscription_confirmation": frozenset({"confirm_url", "target", "rhythm", "unsubscribe_url"}),
    "weekly_digest": frozenset({"items", "period_start", "period_end", "target", "weeknote_url", "unsubscribe_url"}),
    "daily_digest": frozenset({"items", "period_start", "period_end", "target", "unsubscribe_url"}),
    "signin_link": frozenset({"link", "email"}),
    "invitation": frozenset({"link", "email", "name", "role", "invited_by", "valid_until", "signin_url"}),
}  # fmt: skip
"""Each email template and the placeholders it may use."""

LAYOUT = "email/_layout.html"
LAYOUT_PLACEHOLDERS = frozenset({"sections", "unsubscribe_url", "manage_url", "lang"})
FOOTER_PLACEHOLDERS = frozenset({"unsubscribe_url", "manage_url"})

_PAGE = frozenset({"lang", "switch", "cy"})
"""Every page's: its language, the language switch's links, and ``cy(welsh, english)`` to pick words."""

PAGES: dict[str, frozenset[str]] = {
    "_page.html": _PAGE,
    "confirmed.html": _PAGE | {"target_cy", "target_en", "rhythm_cy", "rhythm_en", "unsubscribe_url"},
    "unsubscribe.html": _PAGE | {"action_url"},
    "manage.html": _PAGE | {"action_url", "email", "subscriptions", "errors", "done"},
    "unsubscribed.html": _PAGE,
    "link_invalid.html": _PAGE,
}
"""Pages the notifier shows to people who follow a link: in one language, with a switch to the other."""


class TemplateProblem(ConfigError):
    """A template is missing, malformed or uses a placeholder it is not given."""


def _expected() -> dict[str, frozenset[str]]:
    files = {LAYOUT: LAYOUT_PLACEHOLDERS}
    for lang in ("cy", "en"):
        files[f"email/_footer/{lang}.txt"] = FOOTER_PLACEHOLDERS
        for name, allowed in EMAILS.items():
            files[f"email/{name}/{lang}.txt"] = allowed
            files[f"email/{name}/{lang}.html"] = allowed
    files.update({f"pages/{name}": allowed for name, allowed in PAGES.items()})
    return files


class Templates:
    def __init__(self, folder: Path):
        self.folder = folder
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            undefined=jinja2.StrictUndefined,  # a placeholder with no value fails loudly, never blank
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.check()

    def check(self) -> None:
        """Every expected file exists, parses, and uses only its placeholders; else TemplateProblem."""
        problems = []
        for name, allowed in _expected().items():
            path = self.folder / name
            if not path.is_file():
                problems.append(f"{path}: missing (every email needs cy.txt, en.txt, cy.html and en.html)")
                continue
            source = path.read_text(encoding="utf-8")
            try:
                self._env.get_template(name)  # compiles: unknown filters and bad syntax fail here
                names = meta.find_undeclared_variables(self._env.parse(source))
            except jinja2.TemplateError as exc:
                line = getattr(exc, "lineno", None)
                problems.append(f"{path}{f', line {line}' if line else ''}: {exc}")
                continue
            for unknown in sorted(names - allowed - set(self._env.globals)):
                problems.append(
                    f"{path}: unknown placeholder {{{{ {unknown} }}}}; "
                    f"this template can use: {', '.join(sorted(allowed)) or 'none'}"
                )
            if name.endswith(".txt") and "/_footer/" not in name and not source.startswith("Subject:"):
                problems.append(f"{path}: the first line must be the subject, starting with 'Subject:'")
        if problems:
            raise TemplateProblem("email templates need fixing:\n  " + "\n  ".join(problems))

    def _render(self, name: str, context: Mapping[str, Any]) -> str:
        return self._env.get_template(name).render(context)

    def text(self, email: str, lang: Lang, context: Mapping[str, Any]) -> tuple[str, str]:
        """(subject, plain text body) of one language's version."""
        rendered = self._render(f"email/{email}/{lang}.txt", context)
        first, _, body = rendered.partition("\n")
        # One line whatever a placeholder holds: a newline in a header would be refused (or worse).
        subject = " ".join(first.removeprefix("Subject:").split())
        return subject, body.strip("\n")

    def html(self, email: str, lang: Lang, context: Mapping[str, Any]) -> Markup:
        return Markup(self._render(f"email/{email}/{lang}.html", context))

    def footer(self, lang: Lang, unsubscribe_url: str | None, manage_url: str | None) -> str:
        context = {"unsubscribe_url": unsubscribe_url, "manage_url": manage_url}
        return self._render(f"email/_footer/{lang}.txt", context).strip("\n")

    def layout(
        self, sections: list[dict[str, Any]], unsubscribe_url: str | None, lang: Lang, manage_url: str | None
    ) -> str:
        context = {"sections": sections, "unsubscribe_url": unsubscribe_url, "manage_url": manage_url, "lang": lang}
        return self._render(LAYOUT, context)

    def page(self, name: str, **context: Any) -> str:
        return self._render(f"pages/{name}", context)
