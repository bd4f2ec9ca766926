"""What the notifier's routes share: its rendering parts as a dependency, and who may call what.

The request context (caller, pooled connection, If-Match) comes from shared/requests.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler

from services.notifier.compose import Composer
from services.notifier.config import Options
from services.notifier.domain import Audience, TargetKind
from services.notifier.links import Links
from services.notifier.rendering import Templates
from shared.http import FieldError, Forbidden, Invalid, Unauthorised
from shared.identity import Identity
from shared.requests import identity_of


@dataclass(frozen=True)
class Parts:
    """Built once by the app factory and kept on ``app.state.notifier``."""

    options: Options
    templates: Templates
    links: Links
    composer: Composer


Notifier: TypeAlias = NamedDependency[Parts]


def provide_parts(state: State) -> Parts:
    notifier: Parts = state.notifier
    return notifier


DEPENDENCIES = {"notifier": Provide(provide_parts, sync_to_thread=False)}


def account_audience(identity: Identity) -> Audience:
    """What a signed-in follower may hear about: staff everything, a partner's users their own."""
    if identity.role == "public":
        raise Unauthorised()
    if identity.is_staff:
        return "staff"
    if identity.role == "partner" and identity.partner_id is not None:
        return "partner"
    raise Forbidden()


async def account_holder(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: staff and partner accounts (401 for the public, 403 for anyone else)."""
    account_audience(identity_of(connection))


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: admins only (the delivery log holds every recipient's address)."""
    identity = identity_of(connection)
    if identity.role == "public":
        raise Unauthorised()
    if identity.role != "admin":
        raise Forbidden()


def check_target(kind: TargetKind, target_id: uuid.UUID | None) -> None:
    if kind == "portfolio" and target_id is not None:
        raise Invalid([FieldError("target_id", "Leave this out to follow the whole portfolio",
                                  "Gadewch hwn allan i ddilyn y portffolio cyfan")])  # fmt: skip
    if kind != "portfolio" and target_id is None:
        raise Invalid([FieldError("target_id", "Say which project or partner to follow",
                                  "Dywedwch pa brosiect neu bartner i'w ddilyn")])  # fmt: skip
