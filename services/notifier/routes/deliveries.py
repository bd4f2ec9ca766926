"""The delivery log, for admins: what was sent to whom, every attempt, and retrying a failure."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import get, post
from litestar.params import FromPath, QueryParameter

from services.notifier import deliveries
from services.notifier.deliveries import Delivery, DeliveryDetail, Status
from services.notifier.routes.common import admin_only
from shared.http import Conflict, NotFound
from shared.idempotency import idempotent
from shared.requests import Connection


@get("/api/v1/deliveries", tags=["deliveries"], guards=[admin_only])
async def delivery_log(
    conn: Connection,
    status: Annotated[Status | None, QueryParameter()] = None,
    event_type: Annotated[str | None, QueryParameter(max_length=100)] = None,
    recipient: Annotated[str | None, QueryParameter(max_length=254)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> list[Delivery]:  # fmt: skip
    """Newest first."""
    return await deliveries.list_deliveries(
        conn, status=status, event_type=event_type, recipient=recipient.strip().lower() if recipient else None,
        limit=limit,
    )  # fmt: skip


@get("/api/v1/deliveries/{delivery_id:uuid}", tags=["deliveries"], guards=[admin_only])
async def delivery(delivery_id: FromPath[uuid.UUID], conn: Connection) -> DeliveryDetail:
    found = await deliveries.get_delivery(conn, delivery_id)
    if found is None:
        raise NotFound("delivery", "danfoniad")
    return found


@idempotent
@post("/api/v1/deliveries/{delivery_id:uuid}/retry", status_code=200, tags=["deliveries"], guards=[admin_only])
async def retry_delivery(delivery_id: FromPath[uuid.UUID], conn: Connection) -> DeliveryDetail:
    """A failed delivery goes back to pending, to be sent as soon as the sender reaches it."""
    try:
        retried = await deliveries.retry(conn, delivery_id)
    except deliveries.NotRetryable as exc:
        if str(exc) == "signin":
            raise Conflict(
                "Sign-in links are never kept, so this email cannot be sent again: ask for a new link",
                "Ni chedwir dolenni mewngofnodi byth, felly ni ellir anfon yr e-bost hwn eto: "
                "gofynnwch am ddolen newydd",
            ) from None
        raise Conflict(
            f"Only a failed delivery can be retried; this one is {exc}",
            f"Dim ond danfoniad a fethodd y gellir rhoi cynnig arall arno; statws hwn yw {exc}",
        ) from None
    if retried is None:
        raise NotFound("delivery", "danfoniad")
    return retried
