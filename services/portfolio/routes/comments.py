"""A project's conversation: staff and the project's partner read and write comments; staff-only
notes are for staff. Changing and deleting are under If-Match on the comment's version."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from services.portfolio import conversations
from services.portfolio.conversations import CommentChanges, NewComment
from services.portfolio.routes.common import written
from shared.idempotency import idempotent
from shared.replies.portfolio import Comment
from shared.requests import Caller, Connection, ExpectedVersion


def window(request: Request[Any, Any, Any]) -> dt.timedelta:
    return dt.timedelta(minutes=request.app.state.runtime.settings.comment_edit_minutes)


@get("/api/v1/projects/{project_id:uuid}/comments", tags=["conversations"])
async def list_comments(
    request: Request[Any, Any, Any], project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
) -> list[Comment]:
    """Oldest first. Staff see staff-only notes too; the project's partner sees the rest; nobody else."""
    return await conversations.conversation(conn, identity, project_id, window(request))


@idempotent
@post("/api/v1/projects/{project_id:uuid}/comments", tags=["conversations"])
async def post_comment(
    request: Request[Any, Any, Any], project_id: FromPath[uuid.UUID], data: JSONBody[NewComment], identity: Caller,
    conn: Connection,
) -> Response[Comment]:  # fmt: skip
    comment, position = await conversations.post_comment(conn, identity, project_id, data, window(request))
    return written(comment, version=comment.version, position=position, status=201,
                   location=f"/api/v1/comments/{comment.id}")  # fmt: skip


@patch("/api/v1/comments/{comment_id:uuid}", tags=["conversations"])
async def edit_comment(
    request: Request[Any, Any, Any], comment_id: FromPath[uuid.UUID], data: JSONBody[CommentChanges],
    identity: Caller, conn: Connection, expected_version: ExpectedVersion,
) -> Response[Comment]:  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    comment, position = await conversations.edit_comment(
        conn, identity, comment_id, data, expected_version, window(request), now
    )
    return written(comment, version=comment.version, position=position)


@delete("/api/v1/comments/{comment_id:uuid}", tags=["conversations"], status_code=200)
async def delete_comment(
    request: Request[Any, Any, Any], comment_id: FromPath[uuid.UUID], identity: Caller, conn: Connection,
    expected_version: ExpectedVersion,
) -> Response[Comment]:  # fmt: skip
    comment, position = await conversations.delete_comment(conn, identity, comment_id, expected_version,
                                                           window(request))  # fmt: skip
    return written(comment, version=comment.version, position=position)


ROUTES = [list_comments, post_comment, edit_comment, delete_comment]
