"""Answer ``accounts.emailable`` requests: the addresses and languages of the people on the other side
of a project's conversation (the notifier), or of every active admin (the webhooks service, when an
endpoint turns itself off); shared/replies/accounts.py, from the web's accounts.

A queue group, so each web replica answers some. A request that fails is not answered, so the
asker holds its event (or alert) and asks again, as it does while PostgreSQL is away."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.replies.accounts import ACCOUNTS_SUBJECT, AccountsAnswer, AccountsQuery
from shared.responder import serve_requests
from shared.service import Runtime
from shared.supervision import Health
from web import accounts

if TYPE_CHECKING:
    from shared.db import Conn


async def _answer(conn: Conn, query: AccountsQuery) -> AccountsAnswer:
    return AccountsAnswer(accounts=await accounts.emailable(conn, query.partner_id, query.ids, admins=query.admins))


async def run_responder(runtime: Runtime, health: Health) -> None:
    await serve_requests(runtime, health, subject=ACCOUNTS_SUBJECT, queue="web", query_type=AccountsQuery,
                         answer=_answer)  # fmt: skip
