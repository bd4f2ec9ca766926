"""A project's conversation: comments between CDPS staff and the project's partner, and staff-only
notes. The rules (pure: who may talk, change or delete, and until when) and the commands that own
each change (transaction, row lock, version check, the rule, the row and its event in the outbox).

Who takes part: staff on every project, and the accounts of the project's own partner on its
projects. A partner never reads, writes, nor hears of an ``internal`` note (the API's reads below,
and every consumer through the event's ``internal``). Only a comment's author changes it, within
``CDPS_COMMENT_EDIT_MINUTES`` of writing it; its author or staff delete it, which blanks its text
and leaves the tombstone (``portfolio.comment.deleted``: who, when, which comment) in the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from services.portfolio import comment_store, store
from services.portfolio.commands import _check_version, _emit, _refuse
from services.portfolio.domain import Input, ProjectRecord
from shared import bilingual
from shared.bilingual import Bilingual, LongText
from shared.events import CommentDeleted, CommentEdited, CommentPosted
from shared.http import Conflict, FieldError, Forbidden, Unauthorised
from shared.identity import Identity
from shared.replies.portfolio import Comment

if TYPE_CHECKING:
    from shared.db import Conn


class NewComment(Input, kw_only=True):
    """A comment in Welsh, English or both (``{"cy": …, "en": …}``, or one string whose language is
    told from its text); ``internal``: a staff-only note."""

    comment: LongText
    internal: bool = False


class CommentChanges(Input, kw_only=True):
    """The comment's new text, as a new comment gives it."""

    comment: LongText


class TooLate(Conflict):
    def __init__(self) -> None:
        super().__init__("The time to change this comment has passed",
                         "Mae'r amser i newid y sylw hwn wedi mynd heibio")  # fmt: skip


class Deleted(Conflict):
    def __init__(self) -> None:
        super().__init__("This comment has been deleted", "Mae'r sylw hwn wedi'i ddileu")


# Rules ------------------------------------------------------------------------------------------


def text_errors(text: Bilingual) -> list[FieldError]:
    if not text.blank:
        return []
    return [FieldError("comment", "Write the comment, in Welsh, in English or in both",
                       "Ysgrifennwch y sylw, yn Gymraeg, yn Saesneg neu yn y ddwy")]  # fmt: skip


def may_talk(viewer: Identity, project_partner: uuid.UUID | None) -> bool:
    """Staff, and the accounts of the project's own partner."""
    return viewer.is_staff or (
        viewer.role == "partner" and project_partner is not None and viewer.partner_id == project_partner
    )


def may_delete(viewer: Identity, comment: Comment) -> bool:
    return viewer.is_staff or viewer.sub == comment.author_id


# Commands ---------------------------------------------------------------------------------------


async def _taking_part(conn: Conn, viewer: Identity, project_id: uuid.UUID) -> ProjectRecord:
    """The project, if the caller may take part in its conversation: 401 for the public, 404 for
    a project they may not see, 403 for one they see and may not talk on."""
    if viewer.role == "public":
        raise Unauthorised()
    project = await store.get_project(conn, project_id, viewer)
    if not may_talk(viewer, project.snapshot.partner_id):
        raise Forbidden()
    return project


async def conversation(conn: Conn, viewer: Identity, project_id: uuid.UUID, window: dt.timedelta) -> list[Comment]:
    await _taking_part(conn, viewer, project_id)
    return await comment_store.of_project(conn, project_id, viewer.is_staff, window)


async def post_comment(
    conn: Conn, viewer: Identity, project_id: uuid.UUID, new: NewComment, window: dt.timedelta
) -> tuple[Comment, int]:
    text = bilingual.given(new.comment)
    _refuse(text_errors(text))
    async with conn.transaction():
        project = await _taking_part(conn, viewer, project_id)
        if new.internal and not viewer.is_staff:
            raise Forbidden()
        comment = await comment_store.insert(
            conn, uuid.uuid4(), project_id, viewer.sub, viewer.role, new.internal, text.en, text.cy,
            window,
        )  # fmt: skip
        event = CommentPosted(
            project_id=project_id, internal=comment.internal, author_role=viewer.role, body=comment.body,
            for_project=project.snapshot,
        )  # fmt: skip
        position = await _emit(conn, viewer.actor, event, aggregate_id=comment.id, seq=1,
                               partner_id=project.snapshot.partner_id)  # fmt: skip
    return comment, position


async def _lock(
    conn: Conn, viewer: Identity, comment_id: uuid.UUID, window: dt.timedelta
) -> tuple[Comment, ProjectRecord]:
    """The comment, locked, if the caller may read it (404 otherwise: a partner never learns of a note)."""
    if viewer.role == "public":
        raise Unauthorised()
    comment = await comment_store.lock(conn, comment_id, window)
    if comment.internal and not viewer.is_staff:
        raise store.Missing()
    try:
        project = await _taking_part(conn, viewer, comment.project_id)
    except Forbidden:
        raise store.Missing() from None
    return comment, project


async def edit_comment(
    conn: Conn, viewer: Identity, comment_id: uuid.UUID, changes: CommentChanges, expected_version: int | None,
    window: dt.timedelta, now: dt.datetime,
) -> tuple[Comment, int | None]:  # fmt: skip
    """Its author changes it, within the minutes allowed."""
    text = bilingual.given(changes.comment)
    _refuse(text_errors(text))
    async with conn.transaction():
        current, project = await _lock(conn, viewer, comment_id, window)
        if viewer.sub != current.author_id:
            raise Forbidden()
        _check_version(current.version, expected_version)
        if current.deleted_at is not None:
            raise Deleted()
        if now > current.editable_until:
            raise TooLate()
        if text == current.body:
            return current, None
        comment = await comment_store.edit(conn, comment_id, text.en, text.cy, window)
        event = CommentEdited(project_id=comment.project_id, internal=comment.internal, body=text,
                              for_project=project.snapshot)  # fmt: skip
        position = await _emit(conn, viewer.actor, event, aggregate_id=comment.id, seq=comment.version,
                               partner_id=project.snapshot.partner_id)  # fmt: skip
    return comment, position


async def delete_comment(
    conn: Conn, viewer: Identity, comment_id: uuid.UUID, expected_version: int | None, window: dt.timedelta
) -> tuple[Comment, int | None]:
    """Its author or staff; a comment deleted already stays as it is (nothing happens twice)."""
    async with conn.transaction():
        current, project = await _lock(conn, viewer, comment_id, window)
        if not may_delete(viewer, current):
            raise Forbidden()
        _check_version(current.version, expected_version)
        if current.deleted_at is not None:
            return current, None
        comment = await comment_store.delete(conn, comment_id, window)
        event = CommentDeleted(project_id=comment.project_id, internal=comment.internal, for_project=project.snapshot)
        position = await _emit(conn, viewer.actor, event, aggregate_id=comment.id, seq=comment.version,
                               partner_id=project.snapshot.partner_id)  # fmt: skip
    return comment, position
