import uuid
from tests.portfolio.conftest import Api

async def test_probe(api: Api) -> None:
    p = await api.partner()
    lead = api.as_("lead")
    r = await api.client.post("/api/v1/support-requests", json={"organisation": "Org", "contact_name": "Ann", "contact_email": "ann@example.org", "need": "We need help with forms"})
    print(r.status_code, r.text)
    sid = r.json()["id"]
    eng = {"partner_id": p["id"], "kind": "advice", "summary_en": "a", "summary_cy": "b", "started_on": "2024-05-02", "ended_on": "2024-05-01"}
    r = await api.client.post(f"/api/v1/support-requests/{sid}/triage", json={"outcome": "accepted", "engagement": eng}, headers=lead)
    print("triage bad dates", r.status_code, r.text)
    eng = {"partner_id": p["id"], "kind": "advice", "summary_en": "a", "summary_cy": "b", "started_on": "2024-05-02", "project_id": str(uuid.uuid4())}
    r = await api.client.post("/api/v1/engagements", json=eng, headers=lead)
    print("eng unknown project", r.status_code, r.text)
    r = await api.client.post(f"/api/v1/support-requests/{sid}/triage", json={"outcome": "accepted", "engagement": {"partner_id": "x"}}, headers=lead)
    print("triage bad nested", r.status_code, r.text)
    r = await api.client.get("/api/v1/support-requests?status=bogus", headers=lead)
    print("status bogus", r.status_code, r.text)
    csv = b"slug,name_en,name_cy,kind\none,One,Un,health,extra\n"
    r = await api.client.post("/api/v1/import/partners", content=csv, headers={**lead, "Content-Type": "text/csv"})
    print("extra cells", r.status_code, r.text)
    csv = b"slug,name_en,name_cy,kind\n\"two\nlines\",One,Un,health\nok-2,Two,Dau,council\n"
    r = await api.client.post("/api/v1/import/partners", content=csv, headers={**lead, "Content-Type": "text/csv"})
    print("multiline", r.status_code, r.text)
    r = await api.client.post("/api/v1/import/partners", content=b"", headers={**lead, "Content-Type": "text/csv"})
    print("empty", r.status_code, r.text)
    r = await api.client.post("/api/v1/import/widgets", content=b"a\n", headers={**lead, "Content-Type": "text/csv"})
    print("widgets", r.status_code, r.text)
    r = await api.client.post("/api/v1/import/partners", content="slug,name_en,name_cy,kind\ncaf\xe9,x,y,health\n".encode("latin-1"), headers={**lead, "Content-Type": "text/csv"})
    print("latin1", r.status_code, r.text)
    r = await api.client.get("/api/v1/projects/export.csv")
    print("export", r.status_code, r.headers, repr(r.text))
