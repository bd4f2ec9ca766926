"""A known week of events, for the golden files."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from services.notifier.weeknotes.compose import WeekEvent
from tests.helpers import snapshot

WEEK = dt.date(2026, 3, 23)  # the week the clocks go forward (Sunday 29 March)
FORMS = uuid.UUID(int=1)
CLOUD = uuid.UUID(int=2)
SECRET = uuid.UUID(int=3)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


def event(n: int, type_: str, when: dt.datetime, aggregate: uuid.UUID, **data: Any) -> WeekEvent:
    """An event of a project that is as public now as it was then."""
    builtins = msgspec.to_builtins(data)
    public_now = builtins.get("project", {}).get("visibility") == "public"
    return WeekEvent(id=uuid.UUID(int=1000 + n), type=type_, occurred_at=when, aggregate_id=aggregate,
                     data=builtins, public_now=public_now)  # fmt: skip


def forms(**overrides: Any) -> Any:
    return snapshot(
        slug="welsh-first-forms",
        title_en="Welsh-first forms",
        title_cy="Ffurflenni Cymraeg yn gyntaf",
        tags=["forms"],
        **overrides,
    )


def cloud(**overrides: Any) -> Any:
    return snapshot(
        slug="cloud-landing-zone",
        title_en="Cloud landing zone",
        title_cy="Parth glanio yn y cwmwl",
        tags=["cloud"],
        **overrides,
    )


def week_events() -> list[WeekEvent]:
    return [
        event(1, "portfolio.project.created", at(23), CLOUD, project=cloud()),
        event(2, "portfolio.project.phase_changed", at(24), FORMS, project=forms(phase="alpha"), kind="advance",
              from_phase="discovery", to_phase="alpha", from_state="active", to_state="active",
              effective="2026-03-24", reason="Passed the discovery peer review"),
        event(3, "portfolio.project.update_posted", at(25), FORMS, project=forms(phase="alpha"), update_id=str(uuid.UUID(int=9)),
              posted_on="2026-03-25", body_en="Tested the form with 8 people.", body_cy="Profwyd y ffurflen gydag 8 o bobl."),
        event(4, "portfolio.project.health_changed", at(26), CLOUD, project=cloud(health="amber"), from_health="green",
              to_health="amber", reason="Waiting on network access"),
        event(5, "portfolio.project.update_posted", at(27), CLOUD, project=cloud(health="amber"), update_id=str(uuid.UUID(int=8)),
              posted_on="2026-03-27", body_en="Agreed the landing zone design.", body_cy=""),
        event(6, "portfolio.project.created", at(27), SECRET, project=snapshot(title_en="Secret", visibility="partner")),
        event(7, "portfolio.engagement.recorded", at(28), uuid.uuid4(), partner_id=str(uuid.uuid4()), project_id=None,
              kind="advice", summary_en="Private advice", summary_cy="Cyngor preifat", started_on="2026-03-28", ended_on=None),
        event(8, "portfolio.support.requested", at(28), uuid.uuid4(), organisation="Powys", contact_name="Ann",
              contact_email="ann@example.org", language="cy", need="Help", urgency="low"),
        event(9, "portfolio.partner.registered", at(28), uuid.uuid4(), partner={
            "slug": "nrw", "name_en": "Natural Resources Wales", "name_cy": "Cyfoeth Naturiol Cymru",
            "kind": "national_body", "website": None, "active": True}),
    ]  # fmt: skip


def measure_event(n: int, value: float, crossing: str | None, catalogue: str = "user_satisfaction",
                  direction: str = "up", unit: str = "percent", published: bool = True) -> WeekEvent:  # fmt: skip
    """A measure of the forms project recorded this week, whose newest value is ``value`` (target 85)."""
    return WeekEvent(
        id=uuid.UUID(int=9000 + n), type="portfolio.measure.values_recorded", occurred_at=at(26), aggregate_id=FORMS,
        public_now=True, data={
            "measure": {"project_id": str(FORMS), "catalogue": catalogue, "name": {"en": "", "cy": ""},
                        "unit": unit, "direction": direction, "target": 85.0, "published": published},
            "values": [{"month": "2026-02-01", "value": value}], "latest": {"month": "2026-02-01", "value": value},
            "crossing": crossing, "for_project": msgspec.to_builtins(forms()),
        },
    )  # fmt: skip
