"""The catalogue of measures a project may track: each one's unit and which way is better.

Their names, in both languages, are in the shared vocabulary (``shared.vocabulary.MEASURES``). A
project may also define its own measure (a bilingual name, a unit, a direction, an optional target).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Unit = Literal["count", "percent", "pounds", "minutes", "days"]
Direction = Literal["up", "down"]
"""Which way is better: a higher value (satisfaction) or a lower one (cost per transaction)."""
Crossing = Literal["reached", "fell_back"]
"""How a measure's newest value moved against its target: it now meets the target and did not
(``reached``), or it met the target and now does not (``fell_back``: below it, or above it for a
measure where lower is better)."""


class Definition(NamedTuple):
    unit: Unit
    direction: Direction


CATALOGUE: dict[str, Definition] = {
    "cost_per_transaction": Definition("pounds", "down"),
    "user_satisfaction": Definition("percent", "up"),
    "completion_rate": Definition("percent", "up"),
    "digital_take_up": Definition("percent", "up"),
    "users_served": Definition("count", "up"),
    "time_to_complete": Definition("minutes", "down"),
    "welsh_take_up": Definition("percent", "up"),
}
