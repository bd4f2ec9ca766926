"""Configuration is read once, typed, and a mistake is one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import ConfigError, load_settings


def test_defaults_give_the_documented_ports(tmp_path: Path) -> None:
    settings = load_settings({"CDPS_DATA_DIR": str(tmp_path)})
    assert (settings.web_port, settings.portfolio_port, settings.search_port, settings.notifier_port) == (
        8000, 8001, 8002, 8003,
    )  # fmt: skip
    assert settings.database_url is None and settings.nats_url is None


def test_without_a_secret_key_a_development_key_is_kept_across_restarts(tmp_path: Path) -> None:
    first = load_settings({"CDPS_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"CDPS_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("NATS_URL", "localhost:4222", "NATS_URL"),
        ("NATS_URL", "http://localhost:4222", "NATS_URL"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL"),
        ("SMTP_URL", "smtp://", "SMTP_URL"),
        ("CDPS_WEB_PORT", "eighty", "CDPS_WEB_PORT"),
        ("CDPS_SEARCH_PORT", "70000", "CDPS_SEARCH_PORT"),
        ("CDPS_LOG_FORMAT", "xml", "CDPS_LOG_FORMAT"),
    ],
)
def test_a_malformed_setting_is_named_in_the_error(tmp_path: Path, variable: str, value: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings({"CDPS_DATA_DIR": str(tmp_path), variable: value})


def test_namespace_prefixes_stream_subjects_and_consumers(tmp_path: Path) -> None:
    settings = load_settings({"CDPS_DATA_DIR": str(tmp_path), "CDPS_NAMESPACE": "t1"})
    assert settings.stream_name == "T1_PORTFOLIO"
    assert settings.subject_for("portfolio.project.created") == "t1.portfolio.project.created"
    assert settings.event_type_of("t1.portfolio.project.created") == "portfolio.project.created"
    assert settings.durable_name("search") == "t1_search"
