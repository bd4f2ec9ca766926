"""Following projects, partners or the whole portfolio by email.

Anyone can ask (double opt-in: a confirmation email, nothing else until its link is followed);
signed-in staff and partner users follow from their account with their own address, confirmed at
once and hearing what the account may see. An account that names any other address is asking on
that person's behalf: the public double opt-in and the public audience, as for anyone else.
A subscription belongs to whoever subscribed: nobody else can change or end it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import msgspec
from litestar import Response, delete, get, patch, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody

from services.notifier import store
from services.notifier.domain import CONFIRMATION, CONFIRMATION_TYPE, EmailAddress, Language, Rhythm, TargetKind
from services.notifier.routes.common import Notifier, Parts, account_audience, account_holder, check_target
from shared.events import new_event_id
from shared.http import FieldError, Invalid, NotFound
from shared.idempotency import idempotent
from shared.requests import Caller, Connection

if TYPE_CHECKING:
    from shared.db import Conn


class SubscriptionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    email: EmailAddress
    target_kind: TargetKind = "portfolio"
    target_id: uuid.UUID | None = None
    """The project's or partner's id; left out for the whole portfolio."""
    language: Language = "both"
    rhythm: Rhythm = "immediate"


class FollowRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    email: EmailAddress | None = None
    """Left out: the account's own address. Any other address is sent a confirmation first."""
    target_kind: TargetKind = "portfolio"
    target_id: uuid.UUID | None = None
    language: Language = "both"
    rhythm: Rhythm = "immediate"


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    message_en: str
    message_cy: str


CHECK_YOUR_EMAIL = Accepted(
    message_en="Check your email: follow the link we sent to confirm. Nothing else is sent until you do.",
    message_cy="Edrychwch ar eich e-bost: dilynwch y ddolen a anfonwyd atoch i gadarnhau. "
    "Ni fydd dim arall yn cael ei anfon nes i chi wneud hynny.",
)


@idempotent
@post("/api/v1/subscriptions", status_code=202, tags=["subscriptions"])
async def subscribe(data: JSONBody[SubscriptionRequest], conn: Connection, notifier: Notifier) -> Accepted:
    """Ask to follow (public, no sign-in). The answer is the same whether or not the address
    already follows this, so the form cannot be used to find out who does."""
    check_target(data.target_kind, data.target_id)
    await ask_to_confirm(conn, notifier, data.email.strip().lower(), data)
    return CHECK_YOUR_EMAIL


async def ask_to_confirm(conn: Conn, notifier: Parts, email: str, data: SubscriptionRequest | FollowRequest) -> None:
    """The double opt-in: an unconfirmed public subscription (an existing one is left as it is) and,
    a few an hour at most, a confirmation email to the address."""
    async with conn.transaction():
        row = await store.request_subscription(
            conn, email=email, target_kind=data.target_kind, target_id=data.target_id, language=data.language,
            rhythm=data.rhythm,
        )  # fmt: skip
        # A public form can be pointed at someone else's address: a few confirmations an hour at most.
        if await store.confirmations_sent_recently(conn, email) < notifier.options.confirmations_per_hour:
            notice_id = new_event_id()
            await store.add_notice(conn, notice_id, CONFIRMATION_TYPE, {
                "subscription": str(row["id"]), "language": data.language, "rhythm": data.rhythm,
                "target_kind": data.target_kind,
                # Named only if public: whoever filled in the form may not be the address's owner.
                "target_names": await store.names_of(conn, data.target_kind, data.target_id, public_only=True),
            })  # fmt: skip
            await store.add_delivery(
                conn, event_id=notice_id, event_type=CONFIRMATION_TYPE, template=CONFIRMATION, recipient=email,
                language=data.language, subscription_id=row["id"],
            )  # fmt: skip


ANOTHER_ADDRESS = ResponseSpec(Accepted, description="Another address than the account's: a confirmation was sent")


@idempotent
@post("/api/v1/me/subscriptions", status_code=201, tags=["subscriptions"], guards=[account_holder],
      responses={202: ANOTHER_ADDRESS})  # fmt: skip
async def follow(
    data: JSONBody[FollowRequest], identity: Caller, conn: Connection, notifier: Notifier
) -> Response[store.Subscription | Accepted]:
    """Follow from a staff or partner account: the account's own address is confirmed at once and
    hears what the account may see; any other address gets the public double opt-in and hears
    only what is public, so an account cannot sign somebody up, nor take their subscription over."""
    audience = account_audience(identity)
    check_target(data.target_kind, data.target_id)
    own = (identity.email or "").strip().lower()
    email = data.email.strip().lower() if data.email is not None else own
    if not email:
        raise Invalid([FieldError("email", "Enter the email address to send updates to",
                                  "Rhowch y cyfeiriad e-bost i anfon diweddariadau iddo")])  # fmt: skip
    if email != own:
        await ask_to_confirm(conn, notifier, email, data)
        return Response(CHECK_YOUR_EMAIL, status_code=202)
    followed = await store.follow_from_account(
        conn, account_id=identity.sub, audience=audience,
        partner_id=identity.partner_id if audience == "partner" else None, email=email,
        target_kind=data.target_kind, target_id=data.target_id, language=data.language, rhythm=data.rhythm,
    )  # fmt: skip
    return Response(followed, status_code=201)


@get("/api/v1/me/subscriptions", tags=["subscriptions"], guards=[account_holder])
async def my_subscriptions(identity: Caller, conn: Connection) -> list[store.Subscription]:
    return await store.account_subscriptions(conn, identity.sub)


@delete("/api/v1/me/subscriptions/{subscription_id:uuid}", status_code=204, tags=["subscriptions"],
        guards=[account_holder])  # fmt: skip
async def unfollow(subscription_id: FromPath[uuid.UUID], identity: Caller, conn: Connection) -> None:
    if not await store.stop_following(conn, identity.sub, subscription_id):
        raise NotFound("subscription", "tanysgrifiad")


class SubscriptionChanges(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    language: Language
    rhythm: Rhythm


@patch("/api/v1/me/subscriptions/{subscription_id:uuid}", tags=["subscriptions"], guards=[account_holder])
async def change_following(
    subscription_id: FromPath[uuid.UUID], data: JSONBody[SubscriptionChanges], identity: Caller, conn: Connection
) -> store.Subscription:
    """A new language or frequency for one of the account's own subscriptions."""
    changed = await store.change_subscription(
        conn, subscription_id, language=data.language, rhythm=data.rhythm, account_id=identity.sub
    )
    if changed is None:
        raise NotFound("subscription", "tanysgrifiad")
    return changed
