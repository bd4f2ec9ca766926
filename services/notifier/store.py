"""SQL for subscriptions and for recording what to send (parameterised, asyncpg)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import asyncpg
import msgspec

from services.notifier.domain import Audience, Follower, Language, Rhythm, TargetKind
from shared.events import Envelope, PartnerSnapshot, ProjectSnapshot, SupportRequested, new_event_id

if TYPE_CHECKING:
    from shared.db import Conn


class Subscription(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    target_kind: TargetKind
    target_id: uuid.UUID | None
    language: Language
    rhythm: Rhythm
    audience: Audience
    confirmed: bool
    created_at: dt.datetime


_SUBSCRIPTION = "id, email, target_kind, target_id, language, rhythm, audience, confirmed, created_at"


def _subscription(row: asyncpg.Record) -> Subscription:
    return msgspec.convert(dict(row), Subscription)


# --- what the notifier knows about projects and partners ------------------------------------


async def keep_project(conn: Conn, project_id: uuid.UUID, seq: int, project: ProjectSnapshot) -> None:
    await conn.execute(
        """INSERT INTO targets (kind, id, seq, slug, name_en, name_cy, visibility, partner_id)
           VALUES ('project', $1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (kind, id) DO UPDATE SET seq = EXCLUDED.seq, slug = EXCLUDED.slug,
               name_en = EXCLUDED.name_en, name_cy = EXCLUDED.name_cy, visibility = EXCLUDED.visibility,
               partner_id = EXCLUDED.partner_id
           WHERE targets.seq < EXCLUDED.seq""",
        project_id, seq, project.slug, project.title_en, project.title_cy, project.visibility, project.partner_id,
    )  # fmt: skip


async def keep_projects(conn: Conn, newest: dict[uuid.UUID, tuple[int, ProjectSnapshot]]) -> None:
    """:func:`keep_project` for many projects in one statement (each with its newest snapshot)."""
    if not newest:
        return
    ids = list(newest)
    snapshots = [newest[i][1] for i in ids]
    await conn.execute(
        """INSERT INTO targets (kind, id, seq, slug, name_en, name_cy, visibility, partner_id)
           SELECT 'project', * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[],
                                           $7::uuid[])
           ON CONFLICT (kind, id) DO UPDATE SET seq = EXCLUDED.seq, slug = EXCLUDED.slug,
               name_en = EXCLUDED.name_en, name_cy = EXCLUDED.name_cy, visibility = EXCLUDED.visibility,
               partner_id = EXCLUDED.partner_id
           WHERE targets.seq < EXCLUDED.seq""",
        ids, [newest[i][0] for i in ids], [p.slug for p in snapshots], [p.title_en for p in snapshots],
        [p.title_cy for p in snapshots], [p.visibility for p in snapshots], [p.partner_id for p in snapshots],
    )  # fmt: skip


async def keep_partner(conn: Conn, partner_id: uuid.UUID, seq: int, partner: PartnerSnapshot) -> None:
    await conn.execute(
        """INSERT INTO targets (kind, id, seq, slug, name_en, name_cy, visibility)
           VALUES ('partner', $1, $2, $3, $4, $5, $6)
           ON CONFLICT (kind, id) DO UPDATE SET seq = EXCLUDED.seq, slug = EXCLUDED.slug,
               name_en = EXCLUDED.name_en, name_cy = EXCLUDED.name_cy, visibility = EXCLUDED.visibility
           WHERE targets.seq < EXCLUDED.seq""",
        partner_id, seq, partner.slug, partner.name_en, partner.name_cy, "public" if partner.active else "internal",
    )  # fmt: skip


async def names_of(
    conn: Conn, kind: str, target_id: uuid.UUID | None, *, public_only: bool = False
) -> dict[str, str] | None:
    """{en, cy, slug} of a project or partner, or None if unknown (or not public, when asked)."""
    if target_id is None:
        return None
    row = await conn.fetchrow(
        "SELECT slug, name_en, name_cy, visibility FROM targets WHERE kind = $1 AND id = $2", kind, target_id
    )
    if row is None or (public_only and row["visibility"] != "public"):
        return None
    return {"en": row["name_en"], "cy": row["name_cy"], "slug": row["slug"]}


async def remember_contact(conn: Conn, request_id: uuid.UUID, event: SupportRequested) -> None:
    await conn.execute(
        """INSERT INTO support_contacts (request_id, contact_name, contact_email, organisation, language)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id) DO NOTHING""",
        request_id, event.contact_name, event.contact_email.strip().lower(), event.organisation, event.language,
    )  # fmt: skip


async def take_contact(conn: Conn, request_id: uuid.UUID) -> asyncpg.Record | None:
    """The requester of a support request, forgotten as it is read (it is personal data)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "DELETE FROM support_contacts WHERE request_id = $1 RETURNING *", request_id
    )
    return row


# --- recording deliveries (in the consumer's transaction) ------------------------------------


async def followers(conn: Conn, project_id: uuid.UUID | None, partner_id: uuid.UUID | None) -> list[Follower]:
    """Confirmed subscriptions to the whole portfolio, the project or the partner."""
    rows = await conn.fetch(
        """SELECT id, email, language, rhythm, audience, partner_id, target_kind, target_id FROM subscriptions
           WHERE confirmed AND (target_kind = 'portfolio'
                 OR (target_kind = 'project' AND target_id = $1)
                 OR (target_kind = 'partner' AND target_id = $2))""",
        project_id, partner_id,
    )  # fmt: skip
    return [msgspec.convert(dict(r), Follower) for r in rows]


async def followers_of_any(
    conn: Conn, project_ids: Iterable[uuid.UUID], partner_ids: Iterable[uuid.UUID]
) -> list[Follower]:
    """:func:`followers` of a whole batch at once: of the portfolio, or of any of these projects or partners."""
    rows = await conn.fetch(
        """SELECT id, email, language, rhythm, audience, partner_id, target_kind, target_id FROM subscriptions
           WHERE confirmed AND (target_kind = 'portfolio'
                 OR (target_kind = 'project' AND target_id = ANY($1::uuid[]))
                 OR (target_kind = 'partner' AND target_id = ANY($2::uuid[])))""",
        list(set(project_ids)), list(set(partner_ids)),
    )  # fmt: skip
    return [msgspec.convert(dict(r), Follower) for r in rows]


async def add_notice(conn: Conn, notice_id: uuid.UUID, notice_type: str, payload: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO notices (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        notice_id, notice_type, payload,
    )  # fmt: skip


DELIVERIES_CHANNEL = "cdps_deliveries"
"""Notified when a delivery is added: the sender listens on it."""


async def add_delivery(
    conn: Conn, *, event_id: uuid.UUID, event_type: str, template: str, recipient: str, language: Language,
    subscription_id: uuid.UUID | None, status: Literal["pending", "held", "sent", "failed"] = "pending",
    subject: str | None = None,
) -> uuid.UUID | None:  # fmt: skip
    """The delivery's id, or None if this recipient already has one for the event (a redelivery) or
    follows nothing and asked to be sent nothing more (``opted_out``; sign-in links and invitations,
    asked for a moment ago, are sent and logged apart: ``deliveries.log_signin``)."""
    # The NOTIFY wakes the sender at commit (see shared/wakeup.py), so an email goes out without
    # waiting for the sender's poll.
    delivery_id: uuid.UUID | None = await conn.fetchval(
        """WITH inserted AS (
               INSERT INTO deliveries (id, event_id, event_type, template, recipient, language, subscription_id,
                                       status, subject, sent_at)
               SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $8 = 'sent' THEN now() END
               WHERE $7::uuid IS NOT NULL OR NOT EXISTS (SELECT 1 FROM opted_out WHERE email = lower($5))
               ON CONFLICT (event_id, recipient) DO NOTHING RETURNING id
           )
           SELECT id FROM inserted, pg_notify($10, '')""",
        new_event_id(), event_id, event_type, template, recipient, language, subscription_id, status, subject,
        DELIVERIES_CHANNEL,
    )  # fmt: skip
    return delivery_id


TRANSLATIONS = frozenset({"portfolio.project.update_translated", "portfolio.project.phase_reason_translated",
                          "portfolio.project.updated"})  # fmt: skip
"""The events that can give held emails their Welsh (``release_translated``)."""


async def release_translated(conn: Conn, envelope: Envelope) -> int:
    """Fill a translation into the held emails of the text it translates, and let them go; how many.

    An update's translation names the update; a phase reason's names its phase change (the notice
    has the event's id); a health reason is translated by editing the project, whose newest held
    health change it completes (as the weeknote's kept events are, weeknotes/store.py)."""
    data = envelope.data
    if envelope.type == "portfolio.project.update_translated":
        notices = await conn.fetch(
            """UPDATE notices SET payload = jsonb_set(jsonb_set(payload, '{envelope,data,body_en}', to_jsonb($2::text)),
                                                   '{envelope,data,body_cy}', to_jsonb($3::text))
               WHERE type = 'portfolio.project.update_posted' AND payload #>> '{envelope,data,update_id}' = $1
                 AND id IN (SELECT event_id FROM deliveries WHERE status = 'held')
               RETURNING id""",
            str(data["update_id"]), data["body_en"], data["body_cy"],
        )  # fmt: skip
    elif envelope.type == "portfolio.project.phase_reason_translated":
        notices = await conn.fetch(
            """UPDATE notices SET payload = jsonb_set(payload, '{envelope,data,reason}', $2::jsonb)
               WHERE id = $1 AND id IN (SELECT event_id FROM deliveries WHERE status = 'held') RETURNING id""",
            uuid.UUID(str(data["phase_change_id"])), data["reason"],
        )  # fmt: skip
    elif "health_reason" in data.get("changed", []):
        notices = await conn.fetch(
            """UPDATE notices SET payload = jsonb_set(payload, '{envelope,data,reason}', $2::jsonb)
               WHERE id = (SELECT n.id FROM notices n
                           WHERE n.type = 'portfolio.project.health_changed'
                             AND n.payload #>> '{envelope,aggregate_id}' = $1
                             AND n.id IN (SELECT event_id FROM deliveries WHERE status = 'held')
                           ORDER BY n.created_at DESC LIMIT 1)
               RETURNING id""",
            str(envelope.aggregate_id), data["project"]["health_reason"],
        )  # fmt: skip
    else:
        return 0
    return await _release_held(conn, "event_id = ANY($2::uuid[])", [row["id"] for row in notices])


async def release_overdue(conn: Conn, older_than: dt.timedelta) -> int:
    """Let the emails held for their Welsh longer than ``older_than`` go as they are (their English-only
    text marked as such); how many."""
    return await _release_held(conn, "created_at < now() - $2::interval", older_than)


async def _release_held(conn: Conn, which: str, value: object) -> int:
    """Let the held deliveries ``which`` picks (a condition on ``$2``, ``value``) go, and wake the
    sender; how many."""
    released: int = await conn.fetchval(
        f"""WITH released AS (
                UPDATE deliveries SET status = 'pending', next_attempt = now()
                WHERE status = 'held' AND {which} RETURNING 1
            )
            SELECT count(*) FROM released, pg_notify($1, '')""",
        DELIVERIES_CHANNEL, value,
    )  # fmt: skip
    return released


async def add_digest_item(conn: Conn, subscription_id: uuid.UUID, event_id: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO digest_items (subscription_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        subscription_id, event_id,
    )  # fmt: skip


# --- subscriptions ----------------------------------------------------------------------------


async def request_subscription(
    conn: Conn, *, email: str, target_kind: TargetKind, target_id: uuid.UUID | None, language: Language,
    rhythm: Rhythm,
) -> asyncpg.Record:  # fmt: skip
    """The subscription for (email, target), created unconfirmed if there is none. An existing one is
    left as it is: new preferences only apply once the address owner confirms them."""
    row = await conn.fetchrow(
        f"""INSERT INTO subscriptions (id, email, target_kind, target_id, language, rhythm)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (email, target_kind, target_id) DO UPDATE SET email = EXCLUDED.email
            RETURNING {_SUBSCRIPTION}""",
        uuid.uuid4(), email, target_kind, target_id, language, rhythm,
    )  # fmt: skip
    assert row is not None
    return row


async def confirmations_sent_recently(conn: Conn, email: str) -> int:
    count: int = await conn.fetchval(
        """SELECT count(*) FROM deliveries WHERE recipient = $1 AND template = 'subscription_confirmation'
           AND created_at > now() - interval '1 hour'""",
        email,
    )
    return count


async def confirm(conn: Conn, subscription_id: uuid.UUID, language: Language, rhythm: Rhythm) -> Subscription | None:
    row = await conn.fetchrow(
        f"""UPDATE subscriptions SET confirmed = true, confirmed_at = coalesce(confirmed_at, now()),
                language = $2, rhythm = $3
            WHERE id = $1 RETURNING {_SUBSCRIPTION}""",
        subscription_id, language, rhythm,
    )  # fmt: skip
    return None if row is None else _subscription(row)


async def unsubscribe(conn: Conn, *, subscription_id: uuid.UUID | None, email: str | None) -> int:
    """Delete the subscription; or, for an address, every subscription of it, and send it nothing more
    that it did not follow (``opted_out``). Nothing is kept of a subscription."""
    if subscription_id is not None:
        result = await conn.execute("DELETE FROM subscriptions WHERE id = $1", subscription_id)
        return int(result.split()[-1])
    result = await conn.fetchval(
        """WITH deleted AS (DELETE FROM subscriptions WHERE email = $1 RETURNING 1),
                stopped AS (INSERT INTO opted_out (email) VALUES (lower($1)) ON CONFLICT DO NOTHING)
           SELECT count(*) FROM deleted""",
        email,
    )  # fmt: skip
    return int(result)


async def subscribed(conn: Conn, *, subscription_id: uuid.UUID | None, email: str | None) -> bool:
    """Whether ``unsubscribe`` with the same arguments would still change something."""
    if subscription_id is not None:
        return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE id = $1)", subscription_id))
    return bool(await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM subscriptions WHERE email = $1)
               OR NOT EXISTS (SELECT 1 FROM opted_out WHERE email = lower($1))""",
        email,
    ))  # fmt: skip


async def forget_unconfirmed(conn: Conn, older_than: dt.timedelta) -> int:
    """Sign-ups never confirmed once their link has expired: the address was never consented."""
    result = await conn.execute(
        "DELETE FROM subscriptions WHERE NOT confirmed AND created_at < now() - $1::interval", older_than
    )
    return int(result.split()[-1])


async def follow_from_account(
    conn: Conn, *, account_id: str, audience: Audience, partner_id: uuid.UUID | None, email: str,
    target_kind: TargetKind, target_id: uuid.UUID | None, language: Language, rhythm: Rhythm,
) -> Subscription:  # fmt: skip
    row = await conn.fetchrow(
        f"""INSERT INTO subscriptions (id, email, target_kind, target_id, language, rhythm, audience, account_id,
                                       partner_id, confirmed, confirmed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, now())
            ON CONFLICT (email, target_kind, target_id) DO UPDATE SET
                language = EXCLUDED.language, rhythm = EXCLUDED.rhythm, audience = EXCLUDED.audience,
                account_id = EXCLUDED.account_id, partner_id = EXCLUDED.partner_id, confirmed = true,
                confirmed_at = coalesce(subscriptions.confirmed_at, now())
            RETURNING {_SUBSCRIPTION}""",
        uuid.uuid4(), email, target_kind, target_id, language, rhythm, audience, account_id, partner_id,
    )  # fmt: skip
    assert row is not None
    return _subscription(row)


async def account_subscriptions(conn: Conn, account_id: str) -> list[Subscription]:
    rows = await conn.fetch(
        f"SELECT {_SUBSCRIPTION} FROM subscriptions WHERE account_id = $1 ORDER BY created_at", account_id
    )
    return [_subscription(r) for r in rows]


async def stop_following(conn: Conn, account_id: str, subscription_id: uuid.UUID) -> bool:
    result = await conn.execute(
        "DELETE FROM subscriptions WHERE id = $1 AND account_id = $2", subscription_id, account_id
    )
    return bool(result.endswith(" 1"))


async def confirmed_subscriptions(conn: Conn, email: str) -> list[asyncpg.Record]:
    """An address's confirmed subscriptions, with what each follows, for its manage page. A record's
    name is shown only if the subscription may hear about it (a public follower: public records)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT s.id, s.target_kind, s.target_id, s.language, s.rhythm, s.audience,
                  t.name_en, t.name_cy, t.visibility
           FROM subscriptions s LEFT JOIN targets t ON t.kind = s.target_kind AND t.id = s.target_id
           WHERE s.email = $1 AND s.confirmed
           ORDER BY s.target_kind = 'portfolio' DESC, s.created_at""",
        email,
    )  # fmt: skip
    return rows


async def change_subscription(
    conn: Conn, subscription_id: uuid.UUID, *, language: Language, rhythm: Rhythm, email: str | None = None,
    account_id: str | None = None,
) -> Subscription | None:  # fmt: skip
    """New preferences for a confirmed subscription of this address (a signed link) or account."""
    row = await conn.fetchrow(
        f"""UPDATE subscriptions SET language = $2, rhythm = $3
            WHERE id = $1 AND confirmed AND (email = $4 OR account_id = $5) RETURNING {_SUBSCRIPTION}""",
        subscription_id, language, rhythm, email, account_id,
    )  # fmt: skip
    return None if row is None else _subscription(row)


async def stop_subscription(conn: Conn, subscription_id: uuid.UUID, email: str) -> bool:
    result = await conn.execute("DELETE FROM subscriptions WHERE id = $1 AND email = $2", subscription_id, email)
    return bool(result.endswith(" 1"))
