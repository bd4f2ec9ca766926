"""The notifier's small rules, without servers: failures, backoff, signed links, SMTP addresses."""

from __future__ import annotations

import uuid

import aiosmtplib
import pytest

from services.notifier.domain import retry_delay
from services.notifier.links import LinkClaims, sign_link, verify_link
from services.notifier.sender import SmtpTarget, classify
from shared.identity import Identity, sign
from shared.tokens import InvalidToken


@pytest.mark.parametrize(
    ("failure", "kind", "code"),
    [
        (aiosmtplib.SMTPResponseException(421, "Service not available"), "temporary", 421),
        (aiosmtplib.SMTPDataError(452, "Insufficient storage"), "temporary", 452),
        (aiosmtplib.SMTPDataError(554, "Message rejected as spam"), "permanent", 554),
        (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "No such user", "a@b.example")]),
         "permanent", 550),
        (aiosmtplib.SMTPAuthenticationError(535, "Bad credentials"), "temporary", 535),  # our config, not the email
        (ConnectionRefusedError(111, "Connection refused"), "temporary", None),
        (aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response"), "temporary", None),
        (aiosmtplib.SMTPServerDisconnected("Connection lost"), "temporary", None),
    ],
)  # fmt: skip
def test_temporary_and_permanent_smtp_failures_are_told_apart(failure: Exception, kind: str, code: int | None) -> None:
    assert classify(failure)[:2] == (kind, code)


def test_the_retry_delay_doubles_with_jitter_and_has_a_ceiling() -> None:
    delays = [retry_delay(n, base=1.0, cap=60.0, jitter=0.999) for n in range(1, 10)]
    assert delays[:4] == pytest.approx([1.0, 2.0, 4.0, 8.0], rel=0.01) and max(delays) <= 60.0
    assert retry_delay(3, base=1.0, cap=60.0, jitter=0.0) == 2.0  # jitter takes off up to half


def test_a_signed_link_only_does_what_it_was_signed_for() -> None:
    claims = LinkClaims(subscription=uuid.uuid4())
    token = sign_link(claims, "unsubscribe", "secret")
    assert verify_link(token, "unsubscribe", "secret") == claims
    with pytest.raises(InvalidToken):
        verify_link(token, "confirm", "secret")  # an unsubscribe link cannot confirm
    with pytest.raises(InvalidToken):
        verify_link(token, "unsubscribe", "another secret")
    identity = sign(Identity(sub="ann", role="admin"), "secret")
    with pytest.raises(InvalidToken):
        verify_link(identity, "unsubscribe", "secret")  # nor is an identity token a link
    with pytest.raises(InvalidToken):
        verify_link(sign_link(LinkClaims(subscription=uuid.uuid4(), exp=1), "confirm", "secret"), "confirm", "secret")


def test_smtp_url_gives_the_server_tls_mode_and_login() -> None:
    plain = SmtpTarget("smtp://mailer:p%40ss@mail.example:587")
    assert (plain.hostname, plain.port, plain.use_tls, plain.username, plain.password) == (
        "mail.example", 587, False, "mailer", "p@ss",
    )  # fmt: skip
    tls = SmtpTarget("smtps://mail.example")
    assert (tls.port, tls.use_tls, tls.username) == (465, True, None)
