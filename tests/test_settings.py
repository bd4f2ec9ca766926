"""Configuration is declared once, read once, typed, and a mistake is one clear line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import FIELDS, VARIABLES, ConfigError, expectation, load_settings


def test_defaults_give_the_documented_ports(tmp_path: Path) -> None:
    settings = load_settings({"CDPS_DATA_DIR": str(tmp_path)})
    assert (settings.web_port, settings.portfolio_port, settings.search_port, settings.notifier_port) == (
        8000, 8001, 8002, 8003,
    )  # fmt: skip
    assert settings.database_url is None and settings.nats_url is None and settings.nats_servers == []


def test_without_a_secret_key_a_development_key_is_kept_across_restarts(tmp_path: Path) -> None:
    first = load_settings({"CDPS_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"CDPS_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32


def test_values_from_the_environment_are_converted_to_their_types(tmp_path: Path) -> None:
    settings = load_settings({
        "CDPS_DATA_DIR": str(tmp_path), "CDPS_WEB_PORT": "8100", "CDPS_SMTP_RATE": "0.5", "CDPS_LOG_LEVEL": "debug",
        "CDPS_RELAY_POLL_SECONDS": "0.2", "CDPS_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
        "DATABASE_URL": "postgresql://cdps:p%40ss@db.internal:5432/cdps?sslmode=require",
    })  # fmt: skip
    assert (settings.web_port, settings.smtp_rate, settings.log_level, settings.relay_poll_seconds) == (
        8100, 0.5, "DEBUG", 0.2,
    )  # fmt: skip
    assert settings.public_url == "http://127.0.0.1:8100"  # follows the web port unless set
    assert settings.data_dir == tmp_path


def test_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    settings = load_settings(
        {"CDPS_DATA_DIR": str(tmp_path), "CDPS_LOG_LEVEL": "", "CDPS_SMTP_RATE": "", "NATS_URL": ""}
    )
    assert (settings.log_level, settings.smtp_rate, settings.nats_url) == ("INFO", 5.0, None)


def test_nats_url_lists_every_node_of_a_cluster(tmp_path: Path) -> None:
    urls = "nats://nats-0.nats:4222, nats://nats-1.nats:4222,tls://user:pw@nats-2.nats:4222"
    settings = load_settings({"CDPS_DATA_DIR": str(tmp_path), "NATS_URL": urls})
    assert settings.nats_servers == [
        "nats://nats-0.nats:4222",
        "nats://nats-1.nats:4222",
        "tls://user:pw@nats-2.nats:4222",
    ]
    single = load_settings({"CDPS_DATA_DIR": str(tmp_path), "NATS_URL": "nats://127.0.0.1:4222"})
    assert single.nats_servers == ["nats://127.0.0.1:4222"]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CDPS_SMTP_RATE", "fast", "emails per second, above 0"),
        ("CDPS_SMTP_RATE", "0", "above 0"),
        ("CDPS_SMTP_RATE", "-1", "above 0"),
        ("CDPS_SMTP_RATE", "nan", "above 0"),
        ("CDPS_LOG_LEVEL", "LOUD", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("CDPS_LOG_FORMAT", "xml", "one of json, console"),
        ("CDPS_WEB_PORT", "²", "a port number from 1 to 65535"),
        ("CDPS_WEB_PORT", "eighty", "a port number from 1 to 65535"),
        ("CDPS_SEARCH_PORT", "70000", "a port number from 1 to 65535"),
        ("CDPS_SMTP_SINK_PORT", "0", "a port number from 1 to 65535"),
        ("CDPS_RELAY_POLL_SECONDS", "soon", "a number of seconds above 0"),
        ("CDPS_ACK_WAIT_SECONDS", "0", "a number of seconds above 0"),
        ("CDPS_ACK_WAIT_SECONDS", "inf", "at most 3600"),
        ("NATS_URL", "localhost:4222", "nats://host:4222"),
        ("NATS_URL", "http://localhost:4222", "nats://host:4222"),
        ("NATS_URL", "nats://a:4222,http://b:4222", "several (nats:// or tls://) separated by commas"),
        ("NATS_URL", "nats://a:4222,,nats://b:4222", "separated by commas"),
        ("NATS_URL", "nats://a:99999", "nats://host:4222"),
        ("DATABASE_URL", "mysql://x@y/z", "a PostgreSQL URL"),
        ("SMTP_URL", "smtp://", "an SMTP URL"),
        ("CDPS_PORTFOLIO_URL", "portfolio:8001", "an http:// or https:// URL"),
        ("CDPS_PUBLIC_URL", "ftp://example.org", "an http:// or https:// URL"),
        ("CDPS_NAMESPACE", "a.b", "letters, digits, - and _ only"),
        ("CDPS_EMAIL_FROM", "CDPS Portfolio", "an email address"),
        ("CDPS_TRUSTED_PROXIES", "proxy.example", "IP addresses or networks"),
        ("CDPS_SECRET_KEY", "short", "at least 32 characters"),
        ("CDPS_HOST", "0.0.0.0 8000", "an address to listen on"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_what_is_expected(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"CDPS_DATA_DIR": str(tmp_path), variable: value})
    message = str(error.value)
    assert message.startswith(f"{variable}=") and expected in message
    assert "\n" not in message


def test_every_bad_variable_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"CDPS_DATA_DIR": str(tmp_path), "CDPS_SMTP_RATE": "fast", "CDPS_WEB_PORT": "²",
                       "CDPS_LOG_LEVEL": "LOUD", "CDPS_SEARCH_PORT": "8102"})  # fmt: skip
    message = str(error.value)
    assert [part.split("=")[0] for part in message.split("; ")] == ["CDPS_WEB_PORT", "CDPS_LOG_LEVEL", "CDPS_SMTP_RATE"]


def test_secrets_are_not_repeated_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"CDPS_DATA_DIR": str(tmp_path), "CDPS_SECRET_KEY": "hunter2",
                       "DATABASE_URL": "mysql://cdps:hunter3@db/cdps"})  # fmt: skip
    assert "hunter" not in str(error.value) and "mysql://cdps:***@db/cdps" in str(error.value)


def test_every_setting_says_what_a_good_value_looks_like() -> None:
    vague = {name for name in VARIABLES - {"CDPS_DATA_DIR"} if expectation(name) is None}
    assert not vague, f"give these a Meta(description=...) or a Literal: {vague}"
    assert FIELDS["DATABASE_URL"].name == "database_url" and FIELDS["CDPS_WEB_PORT"].name == "web_port"


def test_namespace_prefixes_stream_subjects_and_consumers(tmp_path: Path) -> None:
    settings = load_settings({"CDPS_DATA_DIR": str(tmp_path), "CDPS_NAMESPACE": "t1"})
    assert settings.stream_name == "T1_PORTFOLIO"
    assert settings.subject_for("portfolio.project.created") == "t1.portfolio.project.created"
    assert settings.durable_name("search") == "t1_search"
