"""Sign-in links and invitations, asked for over core NATS request/reply and emailed at once.

Core NATS, not the stream, and not the deliveries queue: the link signs someone in, so it must not
be kept anywhere but their mailbox. The person is waiting on the page, so it is sent now (one
attempt) and the reply says whether it went; if not, they ask again. The delivery log still gets a
row (recipient, subject, outcome) without the link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Literal

import asyncpg
import msgspec
import nats.errors
from nats.aio.msg import Msg

from services.notifier import deliveries
from services.notifier.compose import Composer
from services.notifier.config import Options
from services.notifier.domain import INVITATION, SIGNIN, EmailAddress, Language
from services.notifier.sender import SENT, SMTP_ERRORS, Mailer, SmtpTarget, build_message, classify, wait_for_slot
from shared.events import new_event_id
from shared.logs import get_logger
from shared.service import Runtime

log = get_logger(__name__)

QUEUE_GROUP = "notifier"


Name = Annotated[str, msgspec.Meta(max_length=200)]


class Invitation(msgspec.Struct, frozen=True, kw_only=True):
    """What makes a sign-in link an invitation: an admin has just made the account."""

    name: Name = ""
    role: Literal["admin", "lead", "partner"]
    invited_by: Name = ""
    valid_until: dt.date


class SigninRequest(msgspec.Struct, frozen=True, kw_only=True):
    email: EmailAddress
    link: Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https?://\S+$")]
    language: Language = "both"
    invitation: Invitation | None = None


class SigninReply(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    ok: bool
    error: str | None = None
    temporary: bool | None = None
    """On failure: worth asking again shortly (the mail server was busy or unreachable)."""


async def send_signin_link(runtime: Runtime, options: Options, composer: Composer, raw: bytes) -> SigninReply:
    try:
        request = msgspec.json.decode(raw, type=SigninRequest)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return SigninReply(ok=False, error=f"invalid request: {exc}", temporary=False)
    if runtime.settings.smtp_url is None:
        return SigninReply(ok=False, error="SMTP_URL is not set", temporary=False)
    recipient = request.email.strip().lower()
    template, payload = SIGNIN, {"email": recipient, "link": request.link}
    if request.invitation is not None:
        template, payload = INVITATION, payload | msgspec.to_builtins(request.invitation)
    email = composer.compose(
        template=template, language=request.language, payload=payload, recipient=recipient, subscription_id=None
    )
    delivery_id = new_event_id()
    message = build_message(email, delivery_id=delivery_id, recipient=recipient, from_address=options.from_address)
    await wait_for_slot(runtime, options)
    mailer = Mailer(SmtpTarget(runtime.settings.smtp_url, options.smtp_timeout_seconds))
    outcome: deliveries.Outcome = "sent"
    code: int | None = 250
    detail = ""
    reply = SigninReply(ok=True)
    try:
        await mailer.send(message)
    except SMTP_ERRORS as exc:
        outcome, code, detail = classify(exc)
        reply = SigninReply(ok=False, error=detail, temporary=outcome == "temporary")
        log.warning("sign-in link not sent", error=detail)
    finally:
        await mailer.close()
    try:
        async with runtime.pool.acquire() as conn, conn.transaction():
            await deliveries.log_signin(
                conn, delivery_id=delivery_id, template=template, recipient=recipient, language=request.language,
                subject=email.subject, outcome=outcome, code=code, detail=detail,
            )  # fmt: skip
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        # The email went (or not) whatever the log says: answer truthfully about the email.
        log.warning("sign-in delivery not logged", error=repr(exc))
    if reply.ok:
        SENT.inc()
    return reply


async def run_signin_responder(runtime: Runtime, options: Options, composer: Composer) -> None:
    async def answer(msg: Msg) -> None:
        try:
            reply = await send_signin_link(runtime, options, composer, msg.data)
        except Exception as exc:  # the person is waiting: always answer
            log.exception("sign-in link failed", error=repr(exc))
            reply = SigninReply(ok=False, error="internal error", temporary=True)
        with contextlib.suppress(nats.errors.Error):
            await msg.respond(msgspec.json.encode(reply))

    # A queue group: with several replicas, each request is answered (and each email sent) once.
    subscription = await runtime.nc.subscribe(
        runtime.settings.subject_for("auth.signin_link"), queue=QUEUE_GROUP, cb=answer
    )
    try:
        await runtime.stop.wait()
    finally:
        with contextlib.suppress(nats.errors.Error):
            await subscription.unsubscribe()
