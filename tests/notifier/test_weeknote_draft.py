"""Staff edit the week's weeknote draft through the API: If-Match names the version they read, so
nobody's edit is overwritten, and a malformed If-Match is a clear error, never a 500."""

from __future__ import annotations

import pytest

from tests.notifier.conftest import Notifier

DRAFT = "/api/v1/weeknotes/draft/current"


async def test_an_edit_names_the_version_it_read_and_a_stale_one_is_refused(sending: Notifier) -> None:
    staff = sending.as_("lead")
    draft = await sending.client.get(DRAFT, headers=staff)
    assert draft.status_code == 200
    label, etag = draft.json()["week"], draft.headers["ETag"]
    edit = {"intro_en": "A busy week.", "intro_cy": "Wythnos brysur."}
    edited = await sending.client.patch(f"/api/v1/weeknotes/draft/{label}", json=edit, headers={**staff, "If-Match": etag})
    assert edited.status_code == 200 and edited.json()["intro_cy"] == "Wythnos brysur."
    assert edited.json()["version"] == draft.json()["version"] + 1
    again = await sending.client.patch(f"/api/v1/weeknotes/draft/{label}", json=edit, headers={**staff, "If-Match": etag})
    assert again.status_code == 412
    missing = await sending.client.patch(f"/api/v1/weeknotes/draft/{label}", json=edit, headers=staff)
    assert missing.status_code == 428 and missing.json()["message_cy"]


@pytest.mark.parametrize("if_match", ['"' + "9" * 5000 + '"', '"99999999999"', '"2147483648"', "W/", '"-1"'])
async def test_an_if_match_that_is_not_one_of_our_etags_is_a_bilingual_error_naming_it(
    sending: Notifier, if_match: str
) -> None:
    staff = sending.as_("lead")
    label = (await sending.client.get(DRAFT, headers=staff)).json()["week"]
    answer = await sending.client.patch(
        f"/api/v1/weeknotes/draft/{label}", json={"intro_en": "x"}, headers={**staff, "If-Match": if_match}
    )
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "If-Match" and error["message_en"] != error["message_cy"]
