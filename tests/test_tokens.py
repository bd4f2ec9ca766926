"""Signed tokens keep their wire format: links in emails already sent, and identity tokens signed by
a web replica still running the previous release, verify as they did."""

from __future__ import annotations

import uuid

import pytest

from services.notifier.links import LinkClaims, verify_link
from shared.identity import Identity, verify
from shared.tokens import InvalidToken

# Signed before tokens were one module (services/notifier/links.py and shared/identity.py of
# commit 96f7013), with the secret "secret".
SENT_UNSUBSCRIBE_LINK = (
    "eyJzdWJzY3JpcHRpb24iOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDEifQ"
    ".kkyJ8UctoCo7b9F3X_BNpO02VC8x9Rg8JhNaIcJxhns"
)
IDENTITY_TOKEN = (
    "eyJzdWIiOiJhbm4iLCJyb2xlIjoibGVhZCIsInBhcnRuZXJfaWQiOm51bGwsImV4cCI6MTgwMDAwMDMwMH0"
    ".eEdjfSHT7xsuLbqMjrCNhehrTo2PjA8lUuy9cnSN9DE"
)  # for ann, a lead, expiring at 1,800,000,300


def test_an_unsubscribe_link_from_an_email_sent_long_ago_still_works() -> None:
    assert verify_link(SENT_UNSUBSCRIBE_LINK, "unsubscribe", "secret") == LinkClaims(subscription=uuid.UUID(int=1))
    with pytest.raises(InvalidToken):
        verify_link(SENT_UNSUBSCRIBE_LINK, "confirm", "secret")


def test_an_identity_token_signed_by_the_previous_release_verifies_until_it_expires() -> None:
    assert verify(IDENTITY_TOKEN, "secret", now=1_800_000_000) == Identity(sub="ann", role="lead", exp=1_800_000_300)
    with pytest.raises(InvalidToken):
        verify(IDENTITY_TOKEN, "secret", now=1_800_000_301)


def test_a_link_token_is_not_an_identity_token_and_text_that_is_not_a_token_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify(SENT_UNSUBSCRIBE_LINK, "secret")
    for garbled in ("", ".", "é.é", IDENTITY_TOKEN + "é", "not-base64!.x"):
        with pytest.raises(InvalidToken):
            verify(garbled, "secret")
        with pytest.raises(InvalidToken):
            verify_link(garbled, "unsubscribe", "secret")
