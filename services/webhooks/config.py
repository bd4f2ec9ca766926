"""The webhooks service's own knobs, derived from the settings (tests shorten the delays)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.settings import Settings

Job = str
ALL_JOBS: tuple[Job, ...] = ("consumer", "sender", "alerts")


@dataclass(frozen=True, kw_only=True)
class Options:
    allow_private: bool = False
    """Endpoints may be at private, loopback and link-local addresses (development and tests)."""
    timeout_seconds: float = 10.0
    """How long a delivery waits for the receiver to answer."""
    retry_base_seconds: float = 5.0
    retry_cap_seconds: float = 7200.0
    retry_for: dt.timedelta = dt.timedelta(days=1)
    """A delivery is retried for this long after it was recorded (or sent again), then marked failed."""
    disable_after: dt.timedelta = dt.timedelta(days=3)
    """An endpoint that has failed every attempt for this long is disabled."""
    rate_per_second: float = 10.0
    """Deliveries per second to any one endpoint."""
    concurrency: int = 16
    """Deliveries in flight at once (to different endpoints) in one process."""
    response_limit: int = 4096
    """Bytes of a receiver's answer that are read (and kept, in part, in the delivery log)."""
    poll_seconds: float = 1.0
    keep_previous_secret: dt.timedelta = dt.timedelta(hours=24)
    jobs: tuple[Job, ...] = ALL_JOBS
    public_url: str = "http://127.0.0.1:8000"
    """Where admins reach the web front end (the link in an alert email)."""
    from_address: str = "CDPS Portfolio <portfolio@cdps.example>"

    @property
    def lease_seconds(self) -> float:
        """A claimed delivery is not due again for this long: time to send it and record what the
        receiver said. Only a process killed in between leaves it to be sent again, with the same
        webhook-id, when the lease runs out."""
        return self.timeout_seconds * 2 + 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Options:
        return cls(
            allow_private=settings.webhooks_allow_private, timeout_seconds=settings.webhook_timeout_seconds,
            retry_base_seconds=settings.webhook_retry_seconds, rate_per_second=settings.webhook_rate,
            public_url=settings.public_url, from_address=settings.email_from,
        )  # fmt: skip
