"""Every email reads well in Welsh and in English, and a broken template stops the service at start."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
import pytest

from services.notifier.app import create_app
from services.notifier.compose import Composer
from services.notifier.config import TEMPLATES
from services.notifier.domain import ONE_OFF, Lang
from services.notifier.links import Links
from services.notifier.rendering import EMAILS, Templates
from services.notifier.sender import build_message
from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    Actor,
    AssessmentPublished,
    AssessmentSnapshot,
    CommentPosted,
    EngagementRecorded,
    EventData,
    PanelMember,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectUpdatePosted,
    SupportRequested,
    SupportTriaged,
    make_envelope,
)
from shared.settings import ConfigError, Settings
from tests.helpers import snapshot
from tests.notifier.conftest import fast_options

PARTNER = uuid.uuid4()
NAMES = {
    "partner": {"en": "Denbighshire County Council", "cy": "Cyngor Sir Ddinbych", "slug": "denbighshire"},
    "project": {"en": "Digital tax returns", "cy": "Ffurflenni treth", "slug": "tax-returns"},
}
PROJECT = snapshot(partner_id=PARTNER, summary_en="Filing online", summary_cy="Ffeilio ar-lein", health="red")


def notice(data: EventData, **extra: Any) -> dict[str, Any]:
    envelope = make_envelope(
        data, actor=Actor(id="lead-1", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=1, partner_id=PARTNER,
        occurred_at=dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC),
    )  # fmt: skip
    return {"envelope": msgspec.to_builtins(envelope), "names": NAMES, **extra}


UPDATE = notice(ProjectUpdatePosted(project=PROJECT, update_id=uuid.uuid4(), posted_on=dt.date(2025, 6, 1),
                                    body_en="User research finished.", body_cy="Mae'r ymchwil defnyddwyr wedi gorffen."))  # fmt: skip

# template -> (payload, what the Welsh version must say, what the English version must say)
CASES: dict[str, tuple[dict[str, Any], list[str], list[str]]] = {
    "project_created": (
        notice(ProjectCreated(project=PROJECT)),
        ["Prosiect newydd: Ffurflenni treth", "Ffeilio ar-lein", "Darganfod", "Coch", "Cyngor Sir Ddinbych",
         "http://web.test/projects/tax-returns"],
        ["New project: Digital tax returns", "Filing online", "Discovery", "Red", "Denbighshire County Council",
         "http://web.test/projects/tax-returns"],
    ),
    "project_phase_changed": (
        notice(ProjectPhaseChanged(
            project=PROJECT, kind="advance", from_phase="discovery", to_phase="alpha", from_state="active",
            to_state="active", effective=dt.date(2025, 3, 3), reason=Bilingual(en="Discovery report accepted"),
            assessment="met", assessment_url="https://example.org/assessment",
        )),
        ["wedi symud ymlaen", "Darganfod", "Alffa", "3 Mawrth 2025", "Discovery report accepted (Yn Saesneg yn unig)",
         "https://example.org/assessment"],
        ["moved forward", "Discovery", "Alpha", "3 March 2025", "Discovery report accepted",
         "https://example.org/assessment"],
    ),
    "project_health_changed": (
        notice(ProjectHealthChanged(project=PROJECT, from_health="green", to_health="red", reason=Bilingual(en="No funding"))),
        ["statws iechyd newydd – Coch", "Gwyrdd", "No funding (Yn Saesneg yn unig)"],
        ["health now Red", "Green", "No funding"],
    ),
    "project_update_posted": (
        UPDATE,
        ["Diweddariad: Ffurflenni treth", "Mae'r ymchwil defnyddwyr wedi gorffen.", "1 Mehefin 2025"],
        ["Update: Digital tax returns", "User research finished.", "1 June 2025"],
    ),
    "assessment_published": (
        notice(AssessmentPublished(
            assessment=AssessmentSnapshot(
                project_id=uuid.uuid4(), from_phase="alpha", to_phase="private_beta", kind="formal_assessment",
                held_on=dt.date(2025, 3, 3), standards_version="2024", panel=[PanelMember(name="Ann", role=Bilingual(en="Lead"))],
                ratings=[], summary_en="", summary_cy="", status="published", outcome="not_met", panel_outcome=None,
                override_reason=EMPTY,
            ), for_project=PROJECT,
        )),
        ["Safonau Gwasanaeth Digidol Cymru", "Alffa → Beta preifat", "Asesiad ffurfiol", "3 Mawrth 2025", "Heb ei fodloni",
         "http://web.test/assessments/", "Cyngor Sir Ddinbych"],
        ["assessment published", "Alpha → Private beta", "Formal assessment", "3 March 2025", "Not met",
         "http://web.test/assessments/", "Denbighshire County Council"],
    ),
    "comment_posted": (
        notice(CommentPosted(project_id=uuid.uuid4(), internal=False, author_role="partner",
                             body=Bilingual(cy="Pryd mae'r cyfarfod nesaf?"), for_project=PROJECT)),
        ["Sylw newydd: Ffurflenni treth", "Pryd mae'r cyfarfod nesaf?", "Awdur: Cyngor Sir Ddinbych",
         "http://web.test/projects/tax-returns#conversation"],
        ["New comment: Digital tax returns", "Pryd mae'r cyfarfod nesaf?", "Written in Welsh only",
         "From: Denbighshire County Council", "http://web.test/projects/tax-returns#conversation"],
    ),
    "engagement_recorded": (
        notice(EngagementRecorded(
            partner_id=PARTNER, project_id=uuid.uuid4(), kind="training", summary_en="Agile training",
            summary_cy="Hyfforddiant ystwyth", started_on=dt.date(2025, 2, 1), ended_on=None,
        )),
        ["Ymgysylltiad newydd: Cyngor Sir Ddinbych", "Hyfforddiant ystwyth", "1 Chwefror 2025", "Ffurflenni treth"],
        ["New engagement: Denbighshire County Council", "Agile training", "1 February 2025", "Digital tax returns"],
    ),
    "support_requested": (
        notice(SupportRequested(organisation="Cyngor Gwynedd", contact_name="Jo Bloggs",
                                contact_email="jo@example.org", language="en", need=Bilingual(en="Help with a discovery"),
                                urgency="high")),
        ["Cais am gymorth: Cyngor Gwynedd", "jo@example.org", "Uchel", "Saesneg", "Help with a discovery"],
        ["Support request from Cyngor Gwynedd", "jo@example.org", "High", "English", "Help with a discovery"],
    ),
    "support_received": (
        notice(SupportRequested(organisation="Cyngor Gwynedd", contact_name="Jo Bloggs",
                                contact_email="jo@example.org", language="cy", need=Bilingual(en="Help with a discovery"),
                                urgency="high")),
        ["Mae eich cais am gymorth gennym", "Annwyl Jo Bloggs", "Cyngor Gwynedd", "Help with a discovery", "Uchel"],
        ["We have your request for support", "Dear Jo Bloggs", "Cyngor Gwynedd", "Help with a discovery", "High"],
    ),
    "support_triaged": (
        notice(SupportTriaged(outcome="accepted", reason=Bilingual(en="We start in May."), engagement_id=None),
               contact={"name": "Jo Bloggs", "organisation": "Cyngor Gwynedd"}),
        ["Annwyl Jo Bloggs", "Gallwn helpu", "Cyngor Gwynedd", "We start in May."],
        ["Dear Jo Bloggs", "We can help", "Cyngor Gwynedd", "We start in May."],
    ),
    "subscription_confirmation": (
        {"subscription": str(uuid.uuid4()), "language": "both", "rhythm": "weekly", "target_kind": "project",
         "target_names": NAMES["project"]},
        ["Ffurflenni treth", "unwaith yr wythnos", "http://notifier/subscriptions/confirm?token="],
        ["Digital tax returns", "once a week", "http://notifier/subscriptions/confirm?token="],
    ),
    "weekly_digest": (
        {"period_start": "2025-05-26", "period_end": "2025-06-02", "target_kind": "portfolio", "target_names": None,
         "items": [UPDATE], "weeknote": "2025-06-02"},
        ["Diweddariad: Ffurflenni treth", "holl bortffolio CDPS", "26 Mai 2025", "http://web.test/projects/tax-returns",
         "http://web.test/weeknotes/2025-W23?lang=cy"],
        ["Update: Digital tax returns", "the whole CDPS portfolio", "26 May 2025", "http://web.test/projects/tax-returns",
         "http://web.test/weeknotes/2025-W23?lang=en"],
    ),
    "daily_digest": (
        {"period_start": "2025-06-01", "period_end": "2025-06-02", "target_kind": "project",
         "target_names": NAMES["project"], "items": [UPDATE]},
        ["crynodeb dyddiol", "Diweddariad: Ffurflenni treth", "ers 1 Mehefin 2025", "http://web.test/projects/tax-returns"],
        ["daily CDPS digest", "Update: Digital tax returns", "since 1 June 2025", "http://web.test/projects/tax-returns"],
    ),
    "signin_link": (
        {"email": "ann@example.org", "link": "http://web.test/signin/abc123"},
        ["http://web.test/signin/abc123", "ann@example.org", "mewngofnodi"],
        ["http://web.test/signin/abc123", "ann@example.org", "sign in"],
    ),
    "invitation": (
        {"email": "nia@example.org", "link": "http://web.test/signin/abc123", "name": "Nia Jones", "role": "lead",
         "invited_by": "Catrin Evans", "valid_until": "2026-12-08"},
        ["Gwahoddiad", "Helo Nia Jones", "Mae Catrin Evans wedi eich gwahodd", "fel arweinydd cyflawni",
         "http://web.test/signin/abc123", "nia@example.org", "tan 8 Rhagfyr 2026", "http://web.test/signin"],
        ["invited", "Hello Nia Jones", "Catrin Evans has invited you", "as a delivery lead",
         "http://web.test/signin/abc123", "nia@example.org", "until 8 December 2026", "http://web.test/signin"],
    ),
}  # fmt: skip

COMPOSER = Composer(
    Templates(TEMPLATES), Links(link_base="http://notifier", web_base="http://web.test", secret="s"),
    confirm_lifetime=dt.timedelta(days=7),
)  # fmt: skip


def test_every_email_template_has_a_sample() -> None:
    assert set(CASES) == set(EMAILS)


@pytest.mark.parametrize("lang", ["cy", "en"])
@pytest.mark.parametrize("template", sorted(EMAILS))
def test_each_template_renders_in_welsh_and_english_with_its_placeholders_filled(template: str, lang: Any) -> None:
    payload, welsh, english = CASES[template]
    context = COMPOSER.context(template, payload, lang)
    # The code gives each template exactly the placeholders its contract (and the README) lists.
    assert set(context) | ({"unsubscribe_url"} if template not in ONE_OFF else set()) == EMAILS[template]
    context["unsubscribe_url"] = "http://notifier/subscriptions/unsubscribe?token=t"
    subject, text = COMPOSER.templates.text(template, lang, context)
    html = COMPOSER.templates.html(template, lang, context)
    for rendered in (subject + "\n" + text, html):
        assert "{{" not in rendered and "{%" not in rendered
    expected = welsh if lang == "cy" else english
    missing = [phrase for phrase in expected if phrase not in text and phrase not in subject]
    assert not missing, f"{template}/{lang}.txt lacks {missing}:\n{subject}\n{text}"
    missing_html = [phrase for phrase in expected if phrase.replace("'", "&#39;") not in html]
    assert not missing_html, f"{template}/{lang}.html lacks {missing_html}:\n{html}"
    assert subject and "\n" not in subject


def test_a_bilingual_email_is_one_message_with_welsh_first_and_an_unsubscribe_header() -> None:
    payload = CASES["project_created"][0]
    subscription = uuid.uuid4()
    email = COMPOSER.compose(template="project_created", language="both", payload=payload,
                             recipient="ann@example.org", subscription_id=subscription)  # fmt: skip
    assert email.subject == "Prosiect newydd: Ffurflenni treth / New project: Digital tax returns"
    assert email.text.index("Ffurflenni treth") < email.text.index("Digital tax returns")
    assert email.html.index('lang="cy"') < email.html.index('lang="en"')
    assert email.unsubscribe_url is not None and email.unsubscribe_url in email.text
    assert email.unsubscribe_url.replace("&", "&amp;") in email.html
    message = build_message(email, delivery_id=uuid.uuid4(), recipient="ann@example.org", from_address="a@b.example")
    assert message["List-Unsubscribe"] == f"<{email.unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "cy, en"
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain", "text/html"}


def test_a_welsh_only_email_has_no_english_and_a_sign_in_email_has_no_unsubscribe() -> None:
    email = COMPOSER.compose(template="project_created", language="cy", payload=CASES["project_created"][0],
                             recipient="ann@example.org", subscription_id=uuid.uuid4())  # fmt: skip
    assert "Digital tax returns" not in email.text + email.html and "Unsubscribe" not in email.html
    for one_off in ONE_OFF:
        signin = COMPOSER.compose(template=one_off, language="en", payload=CASES[one_off][0],
                                  recipient="ann@example.org", subscription_id=None)  # fmt: skip
        assert signin.unsubscribe_url is None
        assert "List-Unsubscribe" not in build_message(signin, delivery_id=uuid.uuid4(), recipient="a@b.example",
                                                       from_address="a@b.example")  # fmt: skip


def test_text_written_in_one_language_carries_its_lang_and_a_note_in_the_other_languages_email() -> None:
    english_only = notice(ProjectUpdatePosted(project=PROJECT, update_id=uuid.uuid4(), posted_on=dt.date(2025, 6, 1),
                                              body_en="Met the residents' panel.", body_cy=""))  # fmt: skip
    welsh = COMPOSER.compose(template="project_update_posted", language="cy", payload=english_only,
                             recipient="ann@example.org", subscription_id=uuid.uuid4())  # fmt: skip
    assert "Met the residents' panel.\n(Yn Saesneg yn unig)" in welsh.text
    assert '<p lang="en" style="white-space:pre-line;">Met the residents&#39; panel.</p>' in welsh.html
    assert "(Yn Saesneg yn unig)" in welsh.html
    reason = notice(ProjectHealthChanged(project=PROJECT, from_health="green", to_health="amber",
                                         reason=Bilingual(cy="Mae'r cyflenwr bythefnos yn hwyr.")))  # fmt: skip
    langs: list[tuple[Lang, str]] = [("en", " (Written in Welsh only)"), ("cy", "")]
    for lang, note in langs:
        email = COMPOSER.compose(template="project_health_changed", language=lang, payload=reason,
                                 recipient="ann@example.org", subscription_id=uuid.uuid4())  # fmt: skip
        assert f"Mae'r cyflenwr bythefnos yn hwyr.{note}\n" in email.text
        assert f'<dd lang="cy" style="margin:0 0 8px;">Mae&#39;r cyflenwr bythefnos yn hwyr.{note}</dd>' in email.html
    both = COMPOSER.compose(template="project_update_posted", language="both", payload=UPDATE,
                            recipient="ann@example.org", subscription_id=uuid.uuid4())  # fmt: skip
    assert "yn unig" not in both.text and "only" not in both.text  # both languages written: no note


def test_a_reason_in_both_languages_reaches_each_reader_in_theirs_and_both_with_welsh_first() -> None:
    reason = notice(ProjectHealthChanged(project=PROJECT, from_health="green", to_health="amber",
                                         reason=Bilingual(en="The supplier is late.", cy="Mae'r cyflenwr yn hwyr.")))  # fmt: skip
    emails = {lang: COMPOSER.compose(template="project_health_changed", language=lang, payload=reason,
                                     recipient="ann@example.org", subscription_id=uuid.uuid4())
              for lang in ("cy", "en", "both")}  # fmt: skip
    assert "Pam: Mae'r cyflenwr yn hwyr.\n" in emails["cy"].text and "The supplier" not in emails["cy"].text
    assert '<dd lang="cy" style="margin:0 0 8px;">Mae&#39;r cyflenwr yn hwyr.</dd>' in emails["cy"].html
    assert "Why: The supplier is late.\n" in emails["en"].text and "cyflenwr" not in emails["en"].text
    both = emails["both"].text
    assert both.index("Mae'r cyflenwr yn hwyr.") < both.index("The supplier is late.") and "only" not in both


def test_a_support_request_written_in_english_is_marked_so_in_the_welsh_notice_to_staff() -> None:
    request = notice(SupportRequested(organisation="Cyngor Gwynedd", contact_name="Jo Bloggs",
                                      contact_email="jo@example.org", language="cy",
                                      need=Bilingual(en="Help with a discovery"), urgency="high"))  # fmt: skip
    welsh = COMPOSER.compose(template="support_requested", language="cy", payload=request,
                             recipient="staff@example.org", subscription_id=uuid.uuid4())  # fmt: skip
    assert (
        '<p lang="en" style="white-space:pre-line;">Help with a discovery</p><p>(Yn Saesneg yn unig)</p>' in welsh.html
    )
    assert "Help with a discovery (Yn Saesneg yn unig)" in welsh.text


def test_html_emails_escape_what_people_typed() -> None:
    hostile = notice(ProjectCreated(project=snapshot(title_en="<script>alert(1)</script>", title_cy="<b>x</b>")))
    email = COMPOSER.compose(template="project_created", language="both", payload=hostile,
                             recipient="ann@example.org", subscription_id=uuid.uuid4())  # fmt: skip
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html and "<b>x</b>" not in email.html
    assert "<script>alert(1)</script>" in email.text  # plain text is not HTML: shown as typed


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    return folder


def _start(tmp_path: Path, folder: Path) -> None:
    create_app(Settings(secret_key="s", data_dir=tmp_path), fast_options(templates=folder))


def test_start_up_fails_naming_the_file_and_the_unknown_placeholder(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    path = folder / "email" / "project_health_changed" / "cy.html"
    path.write_text(path.read_text() + "<p>{{ titel }}</p>")
    with pytest.raises(ConfigError) as failure:
        _start(tmp_path, folder)
    assert str(path) in str(failure.value) and "{{ titel }}" in str(failure.value)
    assert "to_health" in str(failure.value)  # and says what it could have used


def test_start_up_fails_on_a_syntax_error_a_missing_file_or_a_missing_subject(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    (folder / "email" / "signin_link" / "en.txt").write_text("Subject: Sign in\n{% if link %}\n{{ link }}\n")
    (folder / "email" / "weekly_digest" / "cy.html").unlink()
    (folder / "email" / "project_created" / "en.txt").write_text("New project: {{ title }}\n")
    with pytest.raises(ConfigError) as failure:
        _start(tmp_path, folder)
    message = str(failure.value)
    assert f"{folder}/email/signin_link/en.txt" in message
    assert f"{folder}/email/weekly_digest/cy.html: missing" in message
    assert f"{folder}/email/project_created/en.txt: the first line must be the subject" in message


def test_the_shipped_templates_pass_the_start_up_check() -> None:
    Templates(TEMPLATES).check()


PARTNER_ONLY = snapshot(partner_id=PARTNER, visibility="partner")


@pytest.mark.parametrize(
    ("payload", "page"),
    [
        (notice(ProjectUpdatePosted(project=PARTNER_ONLY, update_id=uuid.uuid4(), posted_on=dt.date(2025, 6, 1),
                                    body_en="Research done.", body_cy="")), "/projects/tax-returns"),
        (notice(CommentPosted(project_id=uuid.uuid4(), internal=False, author_role="lead", body=Bilingual(en="Hi"),
                              for_project=PARTNER_ONLY)), "/projects/tax-returns#conversation"),
        (notice(CommentPosted(project_id=uuid.uuid4(), internal=True, author_role="lead", body=Bilingual(en="Note"),
                              for_project=PROJECT)), "/projects/tax-returns#conversation"),
    ],
    ids=["update on a partner-only project", "comment on a partner-only project", "staff-only note on a public project"],
)  # fmt: skip
def test_a_link_to_a_page_only_some_may_read_goes_through_the_sign_in_page(payload: dict[str, Any], page: str) -> None:
    """Opened signed out, the page itself is a 404; the sign-in page leads there (at once if signed in)."""
    template = "comment_posted" if "comment" in payload["envelope"]["type"] else "project_update_posted"
    context = COMPOSER.context(template, payload, "en")

    assert context["project_url"] == "http://web.test/signin?" + urlencode({"next": page})
