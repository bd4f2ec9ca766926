"""Whoever asked CDPS for support sees what became of it: their own requests only (sent from their
account, or signed out from their verified address), each with its status and the reason given at triage."""

from __future__ import annotations

import uuid

from tests.helpers import auth
from tests.portfolio.conftest import Api
from tests.portfolio.test_records_api import SUPPORT, refused


async def test_a_partner_sees_the_status_and_reason_of_its_own_requests_only(api: Api) -> None:
    partner = await api.partner()
    mine = auth(api.settings, "partner", partner_id=uuid.UUID(partner["id"]), sub="acct-nia", email="nia@powys.example")
    colleague = auth(
        api.settings, "partner", partner_id=uuid.UUID(partner["id"]), sub="acct-tom", email="tom@powys.example"
    )
    sent = await api.client.post("/api/v1/support-requests", json={**SUPPORT, "contact_email": "other@powys.example"},
                                 headers=mine)  # fmt: skip
    assert sent.status_code == 201, sent.text
    signed_out = await api.client.post(
        "/api/v1/support-requests", json={**SUPPORT, "contact_email": "Nia@Powys.example"}
    )
    assert signed_out.status_code == 201
    theirs = await api.client.post("/api/v1/support-requests", json=SUPPORT, headers=colleague)
    assert theirs.status_code == 201

    triaged = await api.client.post(f"/api/v1/support-requests/{sent.json()['id']}/triage", headers=api.as_("lead"),
                                    json={"outcome": "declined", "reason": "Mae hyn y tu hwnt i'n cylch gwaith"})  # fmt: skip
    assert triaged.status_code == 200, triaged.text
    listed = (await api.client.get("/api/v1/support-requests/mine", headers=mine)).json()
    assert {r["id"] for r in listed} == {sent.json()["id"], signed_out.json()["id"]}
    [declined] = [r for r in listed if r["id"] == sent.json()["id"]]
    assert declined["status"] == "declined" and declined["reason"] == {
        "en": "",
        "cy": "Mae hyn y tu hwnt i'n cylch gwaith",
    }
    assert [r["id"] for r in (await api.client.get("/api/v1/support-requests/mine", headers=colleague)).json()] == [
        theirs.json()["id"]]  # fmt: skip
    refused(await api.client.get("/api/v1/support-requests/mine"), 401)
    assert (await api.client.get("/api/v1/support-requests/mine", headers=api.as_("lead"))).json() == []
