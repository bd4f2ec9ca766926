"""The notifier's own knobs, derived from the settings (tests shorten the delays)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from services.notifier.weeknotes.calendar import Schedule
from shared.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
Job = str
ALL_JOBS: tuple[Job, ...] = ("consumer", "sender", "signin", "housekeeping", "weeknotes", "daily_digests", "relay")


@dataclass(frozen=True, kw_only=True)
class Options:
    link_base: str
    """Where confirmation and unsubscribe links point (the notifier's public address)."""
    web_base: str
    """Where links to project pages point (the web front end's public address)."""
    from_address: str = "CDPS Portfolio <portfolio@cdps.example>"
    templates: Path = TEMPLATES
    rate_per_second: float = 5.0
    """Emails per second for the whole installation, shared by every replica (see send_pacing)."""
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 3600.0
    max_attempts: int = 8
    """Temporary failures tolerated before a delivery is marked failed."""
    smtp_timeout_seconds: float = 10.0
    poll_seconds: float = 2.0
    """How often an idle sender looks for due deliveries (a new one wakes it at once: this finds retries
    that have become due, and covers a lost LISTEN connection)."""
    confirm_lifetime: dt.timedelta = dt.timedelta(days=7)
    confirmations_per_hour: int = 3
    """Confirmation emails one address can be sent per hour: the sign-up form is public."""
    housekeeping_seconds: float = 60.0
    """How often expired rows (unconfirmed sign-ups) are looked for."""
    weeknotes_schedule: Schedule = field(default_factory=Schedule)
    """When weeknotes are published (default Friday 16:00 London time); weekly digests go with them."""
    daily_digest_hour: int = 8
    """When daily digests go out (London time, on the hour)."""
    welsh_hold: dt.timedelta = dt.timedelta(days=7)
    """How long an email held for its Welsh (CDPS_WELSH_BEFORE_PUBLISHING=required) may wait: past it,
    it goes with the text it has and the note "Yn Saesneg yn unig", so a text nobody translates does not
    keep its email from anyone for ever."""
    jobs: tuple[Job, ...] = ALL_JOBS
    """Background jobs this process runs; a replica can be a sender only, or a consumer only."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Options:
        # Links in emails go through the web front end, which forwards /subscriptions/* here.
        return cls(link_base=settings.public_url, web_base=settings.public_url, from_address=settings.email_from,
                   rate_per_second=settings.smtp_rate, retry_base_seconds=settings.email_retry_seconds,
                   daily_digest_hour=settings.daily_digest_hour)  # fmt: skip
