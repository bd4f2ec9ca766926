"""Configuration, read once from the environment into a typed, immutable settings object."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

LogFormat = Literal["json", "console"]
ServiceName = Literal["portfolio", "search", "notifier", "web"]


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None
    """None means "start an embedded PostgreSQL" (only the dev runner and the tests do that)."""
    nats_url: str | None = None
    smtp_url: str | None = None
    secret_key: str
    data_dir: Path
    host: str = "127.0.0.1"
    web_port: int = 8000
    portfolio_port: int = 8001
    search_port: int = 8002
    notifier_port: int = 8003
    smtp_sink_port: int = 8025
    portfolio_url: str = "http://127.0.0.1:8001"
    search_url: str = "http://127.0.0.1:8002"
    notifier_url: str = "http://127.0.0.1:8003"
    log_format: LogFormat = "console"
    log_level: str = "INFO"
    namespace: str = ""
    """Prefix for the JetStream stream, subjects and durable consumers, so that several
    installations (or test runs) can share one NATS server without seeing each other."""
    relay_poll_seconds: float = 1.0
    ack_wait_seconds: float = 30.0
    """How long JetStream waits for a consumer's ack before redelivering (e.g. after a crash)."""
    email_from: str = "CDPS Portfolio <portfolio@cdps.example>"
    smtp_rate: float = 5.0
    """Emails per second for the whole installation."""
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the web front end: used in emailed links and feeds."""
    trusted_proxies: str = ""
    """Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto are believed."""

    def port_of(self, service: ServiceName) -> int:
        ports: dict[ServiceName, int] = {
            "web": self.web_port,
            "portfolio": self.portfolio_port,
            "search": self.search_port,
            "notifier": self.notifier_port,
        }
        return ports[service]

    @property
    def stream_name(self) -> str:
        return f"{self.namespace.upper()}_PORTFOLIO" if self.namespace else "PORTFOLIO"

    def subject_for(self, event_type: str) -> str:
        return f"{self.namespace}.{event_type}" if self.namespace else event_type

    def event_type_of(self, subject: str) -> str:
        prefix = f"{self.namespace}."
        return subject[len(prefix) :] if self.namespace and subject.startswith(prefix) else subject

    def durable_name(self, consumer: str) -> str:
        return f"{self.namespace}_{consumer}" if self.namespace else consumer


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}={raw!r} is not a port number: set it to a number from 1 to 65535")
    return int(raw)


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...], example: str) -> str | None:
    raw = env.get(name) or None
    if raw is None:
        return None
    parts = urlsplit(raw)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in schemes or not parts.hostname or not port_ok:
        raise ConfigError(f"{name}={raw!r} is not a valid URL: expected something like {example}")
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from the environment, validating as we go so that a typo fails at start."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("CDPS_DATA_DIR") or ".data").resolve()
    log_format = env.get("CDPS_LOG_FORMAT", "console")
    if log_format not in ("json", "console"):
        raise ConfigError(f"CDPS_LOG_FORMAT={log_format!r}: use 'json' (production) or 'console'")
    host = env.get("CDPS_HOST", "127.0.0.1")
    ports = {
        name: _port(env, f"CDPS_{name.upper()}_PORT", default)
        for name, default in (("web", 8000), ("portfolio", 8001), ("search", 8002), ("notifier", 8003))
    }
    return Settings(
        database_url=_url(env, "DATABASE_URL", ("postgres", "postgresql"), "postgresql://user:pass@host:5432/db"),
        nats_url=_url(env, "NATS_URL", ("nats", "tls"), "nats://host:4222"),
        smtp_url=_url(env, "SMTP_URL", ("smtp", "smtps"), "smtp://user:pass@host:587"),
        secret_key=env.get("CDPS_SECRET_KEY") or _development_secret(data_dir),
        data_dir=data_dir,
        host=host,
        web_port=ports["web"],
        portfolio_port=ports["portfolio"],
        search_port=ports["search"],
        notifier_port=ports["notifier"],
        smtp_sink_port=_port(env, "CDPS_SMTP_SINK_PORT", 8025),
        portfolio_url=env.get("CDPS_PORTFOLIO_URL") or f"http://127.0.0.1:{ports['portfolio']}",
        search_url=env.get("CDPS_SEARCH_URL") or f"http://127.0.0.1:{ports['search']}",
        notifier_url=env.get("CDPS_NOTIFIER_URL") or f"http://127.0.0.1:{ports['notifier']}",
        log_format=log_format,  # type: ignore[arg-type]  # checked just above
        log_level=env.get("CDPS_LOG_LEVEL", "INFO").upper(),
        namespace=env.get("CDPS_NAMESPACE", ""),
        relay_poll_seconds=float(env.get("CDPS_RELAY_POLL_SECONDS", "1.0")),
        trusted_proxies=env.get("CDPS_TRUSTED_PROXIES", ""),
        ack_wait_seconds=float(env.get("CDPS_ACK_WAIT_SECONDS", "30")),
        email_from=env.get("CDPS_EMAIL_FROM") or "CDPS Portfolio <portfolio@cdps.example>",
        smtp_rate=float(env.get("CDPS_SMTP_RATE", "5")),
        public_url=(env.get("CDPS_PUBLIC_URL") or f"http://127.0.0.1:{ports['web']}").rstrip("/"),
    )


def _development_secret(data_dir: Path) -> str:
    """Without CDPS_SECRET_KEY, keep a random key in the data folder so restarts keep sessions.

    Production sets CDPS_SECRET_KEY; this only serves the embedded development default.
    """
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
