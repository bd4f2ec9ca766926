"""Configuration: every setting declared once, as a field of `Settings`, and read from the environment.

Each field's environment variable is its name in capitals, prefixed ``CDPS_`` except the three
server URLs (``DATABASE_URL``, ``NATS_URL``, ``SMTP_URL``). Its constraints (msgspec ``Meta``
bounds and patterns, ``Literal`` choices) are checked when the environment is converted, and its
``description`` says what a good value looks like: a bad value stops the service with one line
naming the variable and that description, never a traceback and never silently accepted.
"""

from __future__ import annotations

import os
import re
import secrets
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

LogFormat = Literal["json", "console"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
ServiceName = Literal["portfolio", "search", "notifier", "webhooks", "web"]


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_HOST = r"(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])"
_USER = r"(?:[^\s/@,]*@)?"


def _url(schemes: str, rest: str = "/?") -> str:
    """A regex for one URL of the given schemes: optional credentials, a host, an optional port."""
    return rf"(?:{schemes})://{_USER}{_HOST}(?::{_PORT})?{rest}"


_NATS = _url("nats|tls")
_ANY_PATH = r"(?:/\S*)?"
_PATH_OR_QUERY = r"(?:[/?]\S*)?"

Port = Annotated[int, Meta(ge=1, le=65535, description="a port number from 1 to 65535")]
HttpUrl = Annotated[
    str, Meta(pattern=f"^{_url('https?', _ANY_PATH)}$", description="an http:// or https:// URL, e.g. http://host:8001")
]
Seconds = Annotated[float, Meta(gt=0, le=3600, description="a number of seconds above 0 and at most 3600")]

DatabaseUrl = Annotated[
    str,
    Meta(
        pattern=f"^{_url('postgres|postgresql', _PATH_OR_QUERY)}$",
        description="a PostgreSQL URL like postgresql://user:pass@host:5432/cdps",
    ),
]
NatsUrls = Annotated[
    str,
    Meta(
        pattern=rf"^\s*{_NATS}(?:\s*,\s*{_NATS})*\s*$",
        description="a NATS URL like nats://host:4222, or several (nats:// or tls://) separated by commas",
    ),
]
SmtpUrl = Annotated[
    str,
    Meta(pattern=f"^{_url('smtps?')}$", description="an SMTP URL like smtp://user:pass@host:587 or smtps://host:465"),
]


_SERVER_URLS = frozenset({"database_url", "nats_url", "smtp_url"})


def _variable(field: str) -> str:
    """The environment variable of a field: DATABASE_URL, NATS_URL, SMTP_URL, else CDPS_<FIELD>."""
    return field.upper() if field in _SERVER_URLS else f"CDPS_{field.upper()}"


class Settings(msgspec.Struct, frozen=True, kw_only=True, rename=_variable):
    database_url: DatabaseUrl | None = None
    """None means "start an embedded PostgreSQL" (only the dev runner and the tests do that)."""
    nats_url: NatsUrls | None = None
    """As given; `nats_servers` is the list. None means "start an embedded NATS"."""
    smtp_url: SmtpUrl | None = None
    secret_key: Annotated[
        str, Meta(min_length=32, description="at least 32 characters, e.g. from `python3 -c 'import secrets; "
                                             "print(secrets.token_urlsafe(48))'`")
    ]  # fmt: skip
    data_dir: Path
    host: Annotated[str, Meta(pattern=r"^[A-Za-z0-9._:-]+$", description="an address to listen on, e.g. 0.0.0.0")] = (
        "127.0.0.1"
    )
    web_port: Port = 8000
    portfolio_port: Port = 8001
    search_port: Port = 8002
    notifier_port: Port = 8003
    webhooks_port: Port = 8004
    smtp_sink_port: Port = 8025
    nats_cluster: Annotated[
        int, Meta(ge=1, le=5, description="1 (one NATS server) or a number of cluster nodes up to 5, e.g. 3")
    ] = 1
    """`cdps run` only: how many embedded NATS servers to start, routed into one JetStream cluster."""
    portfolio_url: HttpUrl = "http://127.0.0.1:8001"
    search_url: HttpUrl = "http://127.0.0.1:8002"
    notifier_url: HttpUrl = "http://127.0.0.1:8003"
    webhooks_url: HttpUrl = "http://127.0.0.1:8004"
    log_format: LogFormat = "console"
    log_level: LogLevel = "INFO"
    namespace: Annotated[
        str, Meta(pattern=r"^[A-Za-z0-9_-]*$", description="letters, digits, - and _ only (it prefixes NATS names)")
    ] = ""
    """Prefix for the JetStream stream, subjects and durable consumers, so that several
    installations (or test runs) can share one NATS server without seeing each other."""
    relay_poll_seconds: Seconds = 1.0
    ack_wait_seconds: Seconds = 30.0
    """How long JetStream waits for a consumer's ack before redelivering (e.g. after a crash)."""
    stream_replicas: Annotated[
        int, Meta(ge=1, le=5, description="a number of copies from 1 to 5, e.g. 3 on a 3-node NATS cluster")
    ] = 1
    """Copies JetStream keeps of the stream. The services raise an existing stream's replicas to this,
    never lower them, and refuse to start if the cluster cannot keep this many."""
    consumer_replicas: Annotated[
        int, Meta(ge=0, le=5, description="0 (as many as the stream), or a number of copies from 1 to 5")
    ] = 0
    """Copies JetStream keeps of each durable consumer's position; never lowered either."""
    stalled_after_seconds: Seconds = 60.0
    """A background task with work waiting that finishes none for this long makes /readyz say not ready."""
    email_retry_seconds: Seconds = 30.0
    """The wait before an email's first retry after a temporary failure; each later retry waits twice
    as long as the one before, up to an hour."""
    email_from: Annotated[
        str,
        Meta(
            pattern=r"^(?:[^<>@\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$",
            description="an email address, optionally with a name: CDPS Portfolio <portfolio@example.gov.wales>",
        ),
    ] = "CDPS Portfolio <portfolio@cdps.example>"
    smtp_rate: Annotated[
        float, Meta(gt=0, le=10_000, description="emails per second, above 0 and at most 10000 (e.g. 5 or 0.5)")
    ] = 5.0
    """Emails per second for the whole installation."""
    daily_digest_hour: Annotated[
        int, Meta(ge=0, le=23, description="an hour of the day from 0 to 23, London time, e.g. 8")
    ] = 8
    """When daily digests go out (on the hour, Europe/London), to followers who had something happen."""
    public_url: HttpUrl = "http://127.0.0.1:8000"
    """Where people reach the web front end: used in emailed links and feeds."""
    trusted_proxies: Annotated[
        str,
        Meta(
            pattern=r"^\s*(?:(?:\*|[0-9A-Fa-f.:/]+)(?:\s*,\s*(?:\*|[0-9A-Fa-f.:/]+))*)?\s*$",
            description="comma-separated IP addresses or networks of reverse proxies, or *",
        ),
    ] = ""
    """Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto are believed."""
    gate_rule: Literal["require", "warn"] = "require"
    """At the gates into private beta, public beta and live: ``require`` refuses the move without a
    published assessment of the gate that met the standards (unless a lead gives a reason to go
    ahead); ``warn`` lets it through and records that it went unassessed."""
    comment_edit_minutes: Annotated[int, Meta(ge=0, le=1440, description="minutes, 0 to 1440")] = 10
    """For how many minutes after writing it the author of a comment may change it (0: never)."""
    webhooks_allow_private: Annotated[bool, Meta(description="true or false")] = False
    """Webhook endpoints may be at private, loopback or link-local addresses (and http:// on loopback):
    for development and tests only. Off, such a URL is refused when registered and again at each send."""
    webhook_timeout_seconds: Annotated[
        float, Meta(gt=0, le=60, description="a number of seconds above 0 and at most 60, e.g. 10")
    ] = 10.0
    """How long a webhook delivery waits for the receiver's answer."""
    webhook_retry_seconds: Seconds = 5.0
    """The wait before a webhook's first retry; each later one waits twice as long, up to two hours,
    for about a day in all."""
    webhook_rate: Annotated[
        float, Meta(gt=0, le=10_000, description="deliveries per second, above 0 and at most 10000 (e.g. 10)")
    ] = 10.0
    """Deliveries per second to any one webhook endpoint."""
    welsh_before_publishing: Literal["optional", "required"] = "optional"
    """``required``: a weeknote due for publication waits until every text people wrote in it has its
    Welsh (a translator fills it in on the Missing translations page), and is published at the
    scheduler's next look after that; ``optional`` publishes on time, English-only text marked so."""
    search_count_cap: Annotated[
        int, Meta(ge=1, le=10_000_000, description="a whole number of results from 1 to 10000000, e.g. 10000")
    ] = 10_000
    """Search counts exactly up to this many matches, then says "more than" (as Elasticsearch's
    track_total_hits does); facet counts are then over the first this-many matches."""

    @property
    def nats_servers(self) -> list[str]:
        """Every NATS server of NATS_URL (one, or each node of a cluster)."""
        return split_servers(self.nats_url or "")

    @property
    def stream_name(self) -> str:
        return f"{self.namespace.upper()}_PORTFOLIO" if self.namespace else "PORTFOLIO"

    def subject_for(self, event_type: str) -> str:
        return f"{self.namespace}.{event_type}" if self.namespace else event_type

    def durable_name(self, consumer: str) -> str:
        return f"{self.namespace}_{consumer}" if self.namespace else consumer


def split_servers(urls: str) -> list[str]:
    """The servers of a comma-separated list such as NATS_URL's."""
    return [url.strip() for url in urls.split(",") if url.strip()]


FIELDS = {field.encode_name: field for field in msgspec.structs.fields(Settings)}
VARIABLES = frozenset(FIELDS)
"""Every environment variable a service reads."""
_URL_OF_PORT = {
    "portfolio_url": "portfolio_port",
    "search_url": "search_port",
    "notifier_url": "notifier_port",
    "webhooks_url": "webhooks_port",
}
"""Where the web finds each service when its URL is unset: on this machine, at its port."""
_AT = re.compile(r" - at `\$\.(\w+)`$")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from the environment; a bad value raises ConfigError naming each bad variable.

    An empty variable counts as unset, as in a `.env` line `CDPS_LOG_LEVEL=`.
    """
    env = os.environ if env is None else env
    raw: dict[str, str] = {}
    for name in FIELDS:
        value = env.get(name)
        if value:
            raw[name] = value.upper() if name == "CDPS_LOG_LEVEL" else value
    raw["CDPS_DATA_DIR"] = str(Path(raw.get("CDPS_DATA_DIR", ".data")).resolve())
    if "CDPS_SECRET_KEY" not in raw:
        raw["CDPS_SECRET_KEY"] = _development_secret(Path(raw["CDPS_DATA_DIR"]))
    try:
        settings = _convert(raw)
    except msgspec.ValidationError:
        raise ConfigError("; ".join(_problems(raw))) from None
    given = {FIELDS[name].name for name in raw}
    derived: dict[str, Any] = {
        url: f"http://127.0.0.1:{getattr(settings, port)}" for url, port in _URL_OF_PORT.items() if url not in given
    }
    derived["public_url"] = raw.get("CDPS_PUBLIC_URL", f"http://127.0.0.1:{settings.web_port}").rstrip("/")
    return msgspec.structs.replace(settings, **derived)


def _convert(raw: Mapping[str, str]) -> Settings:
    # strict=False: the environment holds strings, converted to the fields' int and float types.
    return msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)


def _decode_path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


def _problems(raw: Mapping[str, str]) -> list[str]:
    """One message per bad variable: each is converted on its own, beside a good secret key."""
    problems = []
    for name, value in raw.items():
        try:
            _convert({"CDPS_SECRET_KEY": "x" * 32, "CDPS_DATA_DIR": raw["CDPS_DATA_DIR"], name: value})
        except msgspec.ValidationError as exc:
            expected = expectation(name) or _AT.sub("", str(exc))
            problems.append(f"{name}={_shown(name, value)} is not valid: expected {expected}")
    return problems


def _shown(name: str, value: str) -> str:
    """The value for an error message, without the secret key or a URL's password."""
    if name == "CDPS_SECRET_KEY":
        return f"<{len(value)} characters>"
    return repr(re.sub(r"(://[^\s/:@]*:)[^\s/@]*@", r"\1***@", value))


def expectation(variable: str) -> str | None:
    """What a good value of a variable looks like: its field's Meta description or Literal choices."""
    kind = FIELDS[variable].type
    for candidate in (kind, *typing.get_args(kind)):
        if typing.get_origin(candidate) is Literal:
            return "one of " + ", ".join(typing.get_args(candidate))
        for meta in getattr(candidate, "__metadata__", ()):
            if isinstance(meta, Meta) and meta.description:
                return str(meta.description)
    return None


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
