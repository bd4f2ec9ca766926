"""What the notifier's routes share: the runtime, the rendering parts, and request checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar.datastructures import State

from services.notifier.compose import Composer
from services.notifier.config import Options
from services.notifier.domain import TargetKind
from services.notifier.links import Links
from services.notifier.rendering import Templates
from shared.http import FieldError, Invalid
from shared.service import Runtime


@dataclass(frozen=True)
class Parts:
    """Built once by the app factory and kept on ``app.state.notifier``."""

    options: Options
    templates: Templates
    links: Links
    composer: Composer


def runtime(state: State) -> Runtime:
    rt: Runtime = state.runtime
    return rt


def parts(state: State) -> Parts:
    notifier: Parts = state.notifier
    return notifier


def check_target(kind: TargetKind, target_id: uuid.UUID | None) -> None:
    if kind == "portfolio" and target_id is not None:
        raise Invalid([FieldError("target_id", "Leave this out to follow the whole portfolio",
                                  "Gadewch hwn allan i ddilyn y portffolio cyfan")])  # fmt: skip
    if kind != "portfolio" and target_id is None:
        raise Invalid([FieldError("target_id", "Say which project or partner to follow",
                                  "Dywedwch pa brosiect neu bartner i'w ddilyn")])  # fmt: skip
