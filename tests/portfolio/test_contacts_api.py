"""A partner's contacts through the API: staff add, edit (If-Match) and remove them, each change one
event without the address; nobody else reads them; every bad field named at once and nothing written;
the notifier's request for the addresses of those who get project emails is answered over core NATS."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from shared.replies.portfolio import CONTACTS_SUBJECT, ContactsAnswer
from tests.portfolio.conftest import Api
from tests.portfolio.test_records_api import count, refused

ANN = {"name": "Ann Jones", "email": "Ann.Jones@Powys.Example", "role": "Head of digital", "language": "cy",
       "project_emails": True}  # fmt: skip


async def add(api: Api, partner_id: str, **fields: Any) -> dict[str, Any]:
    response = await api.client.post(f"/api/v1/partners/{partner_id}/contacts", json={**ANN, **fields},
                                     headers=api.as_("lead"))  # fmt: skip
    assert response.status_code == 201, response.text
    added: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{added["version"]}"'
    return added


async def test_staff_add_edit_and_remove_a_contact_each_change_an_event_without_the_address(api: Api) -> None:
    partner = await api.partner()
    contacts = f"/api/v1/partners/{partner['id']}/contacts"
    ann = await add(api, partner["id"])
    assert ann["email"] == "ann.jones@powys.example" and ann["language"] == "cy" and ann["role"] == "Head of digital"
    assert (await api.client.get(contacts, headers=api.as_("admin"))).json() == [ann]

    one = f"{contacts}/{ann['id']}"
    edited = await api.client.patch(one, json={"language": "en", "project_emails": False, "email": "ann@powys.example"},
                                    headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert edited.json()["language"] == "en" and edited.json()["version"] == 2 and not edited.json()["project_emails"]
    unchanged = await api.client.patch(one, json={"language": "en"}, headers={**api.as_("lead"), "If-Match": '"2"'})
    assert unchanged.status_code == 200 and "x-event-position" not in unchanged.headers

    stale = await api.client.patch(one, json={"name": "Ann"}, headers={**api.as_("lead"), "If-Match": '"1"'})
    refused(stale, 412)
    refused(await api.client.delete(one, headers={**api.as_("lead"), "If-Match": '"1"'}), 412)
    removed = await api.client.delete(one, headers={**api.as_("lead"), "If-Match": '"2"'})
    assert removed.status_code == 204, removed.text
    assert (await api.client.get(contacts, headers=api.as_("lead"))).json() == []
    refused(await api.client.get(one, headers=api.as_("lead")), 404)

    events = await api.events()
    contact_events = [(e["type"], e["aggregate_seq"], e["actor_role"])
                      for e in events if e["aggregate_id"] == uuid.UUID(ann["id"])]  # fmt: skip
    assert contact_events == [("portfolio.contact.added", 1, "lead"), ("portfolio.contact.changed", 2, "lead"),
                              ("portfolio.contact.removed", 3, "lead")]  # fmt: skip
    stored = " ".join(str(e["data"]) for e in events).lower()
    assert "powys.example" not in stored and "ann.jones" not in stored
    [changed] = await api.events("portfolio.contact.changed")
    assert set(changed["data"]["changed"]) == {"email", "language", "project_emails"}
    assert all(e["partner_id"] == uuid.UUID(partner["id"]) for e in events if e["type"].startswith("portfolio.contact"))


async def test_only_staff_see_or_change_contacts_not_even_the_partners_own_users(api: Api) -> None:
    partner = await api.partner()
    ann = await add(api, partner["id"])
    contacts = f"/api/v1/partners/{partner['id']}/contacts"
    own = api.as_("partner", uuid.UUID(partner["id"]))
    for headers, status in (({}, 401), (own, 403), (api.as_("partner", uuid.uuid4()), 403)):
        refused(await api.client.get(contacts, headers=headers), status)
        refused(await api.client.get(f"{contacts}/{ann['id']}", headers=headers), status)
        refused(await api.client.post(contacts, json={**ANN, "email": "x@y.example"}, headers=headers), status)
        refused(await api.client.patch(f"{contacts}/{ann['id']}", json={"name": "X"},
                                       headers={**headers, "If-Match": '"1"'}), status)  # fmt: skip
        refused(await api.client.delete(f"{contacts}/{ann['id']}", headers={**headers, "If-Match": '"1"'}), status)
    assert await count(api, "people") == 1
    assert len(await api.events("portfolio.contact.added")) == 1 and len(await api.events()) == 2


async def test_every_bad_field_is_named_at_once_in_both_languages_and_nothing_is_written(api: Api) -> None:
    partner = await api.partner()
    contacts = f"/api/v1/partners/{partner['id']}/contacts"
    bad = {"name": " ", "email": "not an address", "role": "x" * 201, "language": "fr", "project_emails": "yes"}
    body = refused(await api.client.post(contacts, json=bad, headers=api.as_("lead")), 422)
    assert {e["field"] for e in body["errors"]} == set(bad)
    ann = await add(api, partner["id"])
    body = refused(await api.client.patch(f"{contacts}/{ann['id']}", json={"name": "", "language": "de"},
                                          headers={**api.as_("lead"), "If-Match": '"1"'}), 422)  # fmt: skip
    assert {e["field"] for e in body["errors"]} == {"name", "language"}
    refused(await api.client.post(contacts, json={**ANN, "email": "ANN.jones@powys.example"}, headers=api.as_("lead")),
            409, "email")  # fmt: skip
    refused(await api.client.post(f"/api/v1/partners/{uuid.uuid4()}/contacts", json={**ANN, "email": "b@c.example"},
                                  headers=api.as_("lead")), 404)  # fmt: skip
    other = await api.partner()
    refused(await api.client.patch(f"/api/v1/partners/{other['id']}/contacts/{ann['id']}", json={"name": "X"},
                                   headers={**api.as_("lead"), "If-Match": '"1"'}), 404)  # fmt: skip
    assert await count(api, "people") == 1
    assert len(await api.events("portfolio.contact.added")) == 1 and await api.events("portfolio.contact.changed") == []


async def test_the_notifier_is_told_the_addresses_of_the_contacts_who_get_project_emails(api: Api) -> None:
    partner = await api.partner()
    ann = await add(api, partner["id"])
    await add(api, partner["id"], name="Bryn Evans", email="bryn@powys.example", project_emails=False)
    elsewhere = await api.partner()
    await add(api, elsewhere["id"], name="Carys", email="carys@gwynedd.example")
    subject = api.settings.subject_for(CONTACTS_SUBJECT)
    reply = await api.runtime.nc.request(subject, msgspec.json.encode({"partner_id": partner["id"]}), timeout=5)
    answer = msgspec.json.decode(reply.data, type=ContactsAnswer)
    assert [(c.id, c.email, c.language) for c in answer.contacts] == [(uuid.UUID(ann["id"]), ann["email"], "cy")]
