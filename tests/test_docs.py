"""The documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from shared.events import CATALOGUE

ROOT = Path(__file__).parent.parent


def test_the_event_catalogue_documents_every_event_type() -> None:
    catalogue = (ROOT / "docs" / "events.md").read_text()
    missing = [event_type for event_type in CATALOGUE if f"`{event_type}`" not in catalogue]
    assert missing == []


def test_the_readme_names_the_two_commands_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
