"""The pure rules: who may hear of which event, wildcards, signatures (against the specification's
own library and its published example), backoff, and which addresses may be called."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from standardwebhooks.webhooks import Webhook

from services.webhooks.domain import (
    Scope,
    Target,
    address_allowed,
    failing_reason,
    failure,
    known_pattern,
    matches,
    retry_delay,
    scope_of,
    signature,
    url_problems,
    verdict,
    wants,
)
from shared.bilingual import Bilingual
from shared.events import (
    Actor,
    ContactAdded,
    ContactSnapshot,
    EventData,
    MeasureDefined,
    MeasureSnapshot,
    PartnerRegistered,
    PartnerSnapshot,
    ProjectCreated,
    make_envelope,
)
from tests.helpers import snapshot

A, B = uuid.uuid4(), uuid.uuid4()


def scope(event: EventData, partner_id: uuid.UUID | None = None) -> Scope:
    envelope = make_envelope(event, actor=Actor(id="x", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=1,
                             partner_id=partner_id)  # fmt: skip
    return scope_of(envelope, envelope.payload())


def test_records_are_scoped_as_the_portfolio_scopes_them() -> None:
    assert scope(ProjectCreated(project=snapshot(partner_id=A)), A) == Scope("public", A)
    assert scope(ProjectCreated(project=snapshot(partner_id=A, visibility="internal")), A) == Scope("internal", A)
    contact = ContactSnapshot(partner_id=A, name="Ann", role="CTO", language="cy", project_emails=True)
    assert scope(ContactAdded(contact=contact), A).audience == "internal"
    partner = PartnerSnapshot(slug="p", name_en="P", name_cy="P", kind="other", website=None, active=False)
    assert scope(PartnerRegistered(partner=partner)).audience == "internal"
    measure = MeasureSnapshot(project_id=uuid.uuid4(), catalogue=None, name=Bilingual(en="Cost", cy="Cost"),
                              unit="count", direction="down", target=None, published=False)  # fmt: skip
    assert scope(MeasureDefined(measure=measure, for_project=snapshot(partner_id=A)), A) == Scope("partner", A)


@pytest.mark.parametrize(
    ("target", "audience", "partner", "expected"),
    [
        (Target(uuid.uuid4(), ("*",), None, False), "public", A, True),
        (Target(uuid.uuid4(), ("*",), None, False), "partner", A, False),
        (Target(uuid.uuid4(), ("*",), A, False), "partner", A, True),
        (Target(uuid.uuid4(), ("*",), A, False), "partner", B, False),
        (Target(uuid.uuid4(), ("*",), A, False), "public", B, False),
        (Target(uuid.uuid4(), ("*",), A, False), "public", None, False),
        (Target(uuid.uuid4(), ("*",), A, False), "internal", A, False),
        (Target(uuid.uuid4(), ("*",), A, True), "internal", A, True),
        (Target(uuid.uuid4(), ("*",), None, True), "internal", B, True),
        (Target(uuid.uuid4(), ("*",), None, True), "partner", B, True),
    ],
)
def test_an_endpoint_hears_only_what_it_may(target: Target, audience: str, partner: uuid.UUID, expected: bool) -> None:
    assert wants(target, "portfolio.project.created", Scope(audience, partner)) is expected  # type: ignore[arg-type]


def test_wildcards_match_a_prefix_and_a_typo_matches_nothing() -> None:
    assert matches("portfolio.project.*", "portfolio.project.created")
    assert not matches("portfolio.project.*", "portfolio.projects.created")
    assert matches("*", "weeknotes.published") and matches("weeknotes.published", "weeknotes.published")
    assert known_pattern("portfolio.*") and not known_pattern("portfolio.nothing") and not known_pattern("a b")


def test_the_signature_is_the_specifications() -> None:
    # The example of the Standard Webhooks specification (its libraries' tests use the same).
    secret, msg_id, timestamp = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
    body = b'{"test": 2432232314}'
    assert signature(secret, msg_id, timestamp, body) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    assert Webhook(secret).sign(msg_id, when, body.decode()) == signature(secret, msg_id, timestamp, body)


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    assert retry_delay(1, base=5, cap=7200, jitter=1.0) == 5.0
    assert retry_delay(3, base=5, cap=7200, jitter=0.0) == 10.0
    assert retry_delay(30, base=5, cap=7200, jitter=1.0) == 7200.0
    assert (verdict(204), verdict(410), verdict(301), verdict(500)) == ("delivered", "gone", "retry", "retry")


def test_why_an_endpoint_turned_itself_off_is_said_in_welsh_and_in_english() -> None:
    assert failing_reason(3, failure(503)) == Bilingual(en="Every attempt failed for 3 days; last: HTTP 503",
                                                        cy="Methodd pob ymgais am 3 diwrnod; yr olaf: HTTP 503")  # fmt: skip
    assert failure(302).cy == "HTTP 302 (ni ddilynir ailgyfeiriadau)"


@pytest.mark.parametrize(
    ("address", "public"),
    [("93.184.216.34", True), ("2606:4700::1111", True), ("127.0.0.1", False), ("10.1.2.3", False),
     ("172.16.0.1", False), ("192.168.1.1", False), ("169.254.169.254", False), ("::1", False), ("fe80::1", False),
     ("fc00::1", False), ("::ffff:127.0.0.1", False), ("0.0.0.0", False), ("100.64.0.1", False), ("224.0.0.1", False)],
)  # fmt: skip
def test_only_public_addresses_may_be_called_unless_the_installation_allows_private_ones(
    address: str, public: bool
) -> None:
    assert address_allowed(address, allow_private=False) is public
    assert address_allowed(address, allow_private=True) is (address not in ("0.0.0.0", "224.0.0.1"))


def test_a_url_must_be_https_without_credentials_and_http_only_on_loopback_in_development() -> None:
    assert url_problems("https://example.org/hook", allow_private=False) == []
    assert url_problems("http://example.org/hook", allow_private=False)
    assert url_problems("http://127.0.0.1:9/hook", allow_private=False)
    assert url_problems("http://127.0.0.1:9/hook", allow_private=True) == []
    assert url_problems("http://example.org/hook", allow_private=True)
    assert url_problems("https://user:pw@example.org/", allow_private=False)
    assert url_problems("https://example.org/#x", allow_private=False)
    assert url_problems("https://example.org:99999/", allow_private=False)
