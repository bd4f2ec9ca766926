"""An assessment's and its actions' texts for translators: which exist in one language only, and one
filled in.

An assessment's texts are its summary and override reason (columns), each standard's evidence,
recommendations and not-assessed reason (in its ratings) and each panel member's role (in its
panel); a standard's text is named by the standard's number, a member's by their place from 1
(``part``). An action's are its text and its dropped reason (columns). The pure rules come first;
the one query, for the Missing translations list, last. ``commands.translate`` writes and emits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, get_args

import asyncpg
import msgspec

from services.portfolio import assessment_store
from shared import bilingual
from shared.bilingual import Bilingual
from shared.events import ActionSnapshot, AssessmentSnapshot, AssessmentText
from shared.replies.portfolio import MissingText

if TYPE_CHECKING:
    from shared.db import Conn

ASSESSMENT_TEXTS: dict[str, AssessmentText] = {field: field for field in get_args(AssessmentText)}
ActionText = Literal["text", "reason"]


def texts(assessment: AssessmentSnapshot) -> Iterator[tuple[AssessmentText, int | None, Bilingual]]:
    """Every text of the assessment: (field, part, text), the part a standard's number or a panel member's place."""
    yield "summary", None, Bilingual(en=assessment.summary_en, cy=assessment.summary_cy)
    yield "override_reason", None, assessment.override_reason
    for rating in assessment.ratings:
        yield "evidence", rating.standard, Bilingual(en=rating.evidence_en, cy=rating.evidence_cy)
        yield "recommendations", rating.standard, Bilingual(en=rating.recommendations_en, cy=rating.recommendations_cy)
        yield "reason", rating.standard, rating.reason
    for place, member in enumerate(assessment.panel, start=1):
        yield "role", place, member.role


def text_of(assessment: AssessmentSnapshot, field: AssessmentText, part: int | None) -> Bilingual:
    """One of its texts (empty when it has no such text, or no such standard or member)."""
    return next((text for f, p, text in texts(assessment) if (f, p) == (field, part)), bilingual.EMPTY)


def with_text(
    assessment: AssessmentSnapshot, field: AssessmentText, part: int | None, lang: bilingual.Lang, text: str
) -> AssessmentSnapshot:
    """The assessment with ``lang``'s value of one text replaced (a translation filled in)."""
    if field == "summary":
        return msgspec.structs.replace(assessment, **{f"summary_{lang}": text})
    if field == "override_reason":
        return msgspec.structs.replace(assessment, override_reason=assessment.override_reason.with_text(lang, text))
    if field == "role":
        panel = [msgspec.structs.replace(m, role=m.role.with_text(lang, text)) if place == part else m
                 for place, m in enumerate(assessment.panel, start=1)]  # fmt: skip
        return msgspec.structs.replace(assessment, panel=panel)
    ratings = []
    for rating in assessment.ratings:
        if rating.standard == part:
            if field == "reason":
                rating = msgspec.structs.replace(rating, reason=rating.reason.with_text(lang, text))
            else:
                rating = msgspec.structs.replace(rating, **{f"{field}_{lang}": text})
        ratings.append(rating)
    return msgspec.structs.replace(assessment, ratings=ratings)


def action_text(action: ActionSnapshot, field: ActionText) -> Bilingual:
    return Bilingual(en=action.text_en, cy=action.text_cy) if field == "text" else action.reason


# The list -----------------------------------------------------------------------------------------

_PROJECT = "p.slug, p.title_en, p.title_cy, p.partner_id"


async def missing(conn: Conn) -> list[MissingText]:
    """Every text of an assessment or an action written in one language only."""
    found = []
    for row in await conn.fetch(f"SELECT a.*, {_PROJECT} FROM assessments a JOIN projects p ON p.id = a.project_id"):
        snapshot = assessment_store.snapshot_of(row)
        found += [_missing(row, "assessment", field, part, text, row["updated_at"])
                  for field, part, text in texts(snapshot) if text.missing]  # fmt: skip
    actions = await conn.fetch(
        f"""SELECT t.*, {_PROJECT} FROM assessment_actions t JOIN projects p ON p.id = t.project_id
            WHERE ((btrim(t.text_en) = '') <> (btrim(t.text_cy) = ''))
               OR ((btrim(t.reason_en) = '') <> (btrim(t.reason_cy) = ''))"""
    )
    for row in actions:
        for field in get_args(ActionText):
            text = bilingual.from_row(row, field)
            if text.missing:
                found.append(_missing(row, "action", field, None, text, row["closed_at"] or row["created_at"]))
    return found


def _missing(
    row: asyncpg.Record, kind: Literal["assessment", "action"], field: AssessmentText | ActionText,
    part: int | None, text: Bilingual, since: dt.datetime,
) -> MissingText:  # fmt: skip
    assert text.missing is not None
    assessment_id = row["id"] if kind == "assessment" else row["assessment_id"]
    return MissingText(
        kind=kind, id=row["id"], field=field, part=part, text=text, missing=text.missing, project_id=row["project_id"],
        project_slug=row["slug"], project_title=Bilingual(en=row["title_en"], cy=row["title_cy"]),
        partner_id=row["partner_id"], since=since, assessment_id=assessment_id,
    )  # fmt: skip
