"""Who hears of a comment besides the project's followers (issue 20): the other side of the
conversation, never anyone for a staff-only note or a CDPS-internal project. Pure rules, no servers."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.notifier.domain import other_side, reach_of, tells_partner_contacts
from shared.bilingual import Bilingual
from shared.events import Actor, CommentPosted, Envelope, Role, make_envelope
from shared.replies.accounts import AccountsQuery
from tests.helpers import snapshot

PARTNER = uuid.UUID("6f1d0c1e-2a35-4c8b-9d7e-0a1b2c3d4e5f")
LEAD = uuid.UUID("0c0ffee0-1234-4abc-8def-001122334455")


def posted(author: Role, *, internal: bool = False, visibility: str = "partner", lead: str | None = str(LEAD),
           partner: uuid.UUID | None = PARTNER) -> tuple[CommentPosted, Envelope]:  # fmt: skip
    event = CommentPosted(
        project_id=uuid.uuid4(), internal=internal, author_role=author, body=Bilingual(en="When is the show and tell?"),
        for_project=snapshot(partner_id=partner, visibility=visibility, lead_id=lead),
    )  # fmt: skip
    envelope = make_envelope(
        event, actor=Actor(id="someone", role=author), aggregate_id=uuid.uuid4(), aggregate_seq=1, partner_id=partner
    )
    return event, envelope


def test_cdps_writing_reaches_the_partners_people_and_contacts() -> None:
    event, envelope = posted("lead")
    reach = reach_of(envelope, event)
    assert reach is not None
    assert other_side(event, reach) == AccountsQuery(partner_id=PARTNER)
    assert tells_partner_contacts(event, reach)


def test_the_partner_writing_reaches_the_projects_delivery_lead_and_not_its_own_contacts() -> None:
    event, envelope = posted("partner")
    reach = reach_of(envelope, event)
    assert reach is not None
    assert other_side(event, reach) == AccountsQuery(ids=[LEAD])
    assert not tells_partner_contacts(event, reach)


def test_a_lead_that_is_no_account_is_not_asked_for() -> None:
    for lead in (None, "", "imported-lead"):
        event, envelope = posted("partner", lead=lead)
        reach = reach_of(envelope, event)
        assert reach is not None and other_side(event, reach) is None


@given(
    author=st.sampled_from(["admin", "lead", "partner"]),
    internal=st.booleans(),
    visibility=st.sampled_from(["public", "partner", "internal"]),
    has_partner=st.booleans(),
)
def test_a_staff_only_note_or_an_internal_project_reaches_nobody_on_the_other_side(
    author: Role, internal: bool, visibility: str, has_partner: bool
) -> None:
    event, envelope = posted(author, internal=internal, visibility=visibility, partner=PARTNER if has_partner else None)
    reach = reach_of(envelope, event)
    assert reach is not None
    told = other_side(event, reach) is not None or tells_partner_contacts(event, reach)
    assert told == (not internal and visibility != "internal" and has_partner)
