"""The portfolio as CSV: the export has a fixed header and one row per project the caller may see;
an import is all or nothing, and every bad row is reported with its line number and field."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx

from services.portfolio import csvio
from services.portfolio.domain import NewProject
from tests.portfolio.conftest import Api

PARTNER_HEADER = "slug,name_en,name_cy,kind"


def refused(response: httpx.Response, status: int) -> dict[str, Any]:
    """The error body, after checking its status and that it and each error are bilingual."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["message_en"] and body["message_cy"] and body["message_en"] != body["message_cy"], body
    for error in body.get("errors", []):
        assert error["message_en"] and error["message_cy"] and error["message_en"] != error["message_cy"], error
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body["errors"]}


async def upload(api: Api, kind: str, content: str | bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    data = content.encode() if isinstance(content, str) else content
    headers = api.as_("lead") if headers is None else headers
    return await api.client.post(
        f"/api/v1/import/{kind}", content=data, headers={**headers, "Content-Type": "text/csv"}
    )


async def count(api: Api, table: str) -> int:
    value: int = await api.runtime.pool.fetchval(f"SELECT count(*) FROM {table}")
    return value


# Export -----------------------------------------------------------------------------------------


async def test_the_export_has_the_documented_header_and_one_row_per_visible_project(api: Api) -> None:
    public = (await api.project(slug="public-one", tags=["forms", "cloud"], start_date="2024-04-01")).json()
    await api.project(slug="internal-one", visibility="internal")

    async def export(headers: dict[str, str]) -> list[list[str]]:
        response = await api.client.get("/api/v1/projects/export.csv", headers=headers)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(response.text)))

    header, *rows = await export({})
    assert header == list(csvio.EXPORT_COLUMNS)
    [row] = [dict(zip(header, r, strict=True)) for r in rows]
    assert row["id"] == public["id"] and row["slug"] == "public-one"
    assert row["tags"] == "forms;cloud"
    assert (row["start_date"], row["version"], row["partner_id"]) == ("2024-04-01", "1", "")
    header, *rows = await export(api.as_("lead"))
    assert header == list(csvio.EXPORT_COLUMNS)
    assert sorted(r[header.index("slug")] for r in rows) == ["internal-one", "public-one"]


async def test_an_empty_portfolio_exports_only_the_header(api: Api) -> None:
    response = await api.client.get("/api/v1/projects/export.csv")
    assert list(csv.reader(io.StringIO(response.text))) == [list(csvio.EXPORT_COLUMNS)]


# Import -----------------------------------------------------------------------------------------


async def test_importing_good_partner_rows_creates_each_with_its_event(api: Api) -> None:
    text = (f"{PARTNER_HEADER},website\n"
            "cardiff,Cardiff Council,Cyngor Caerdydd,local_authority,https://cardiff.gov.uk\n"
            "hywel-dda,Hywel Dda,Hywel Dda,health,\n"
            "wcva,WCVA,CGGC,third_sector,\n")  # fmt: skip
    response = await upload(api, "partners", text)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 3}
    events = await api.events("portfolio.partner.registered")
    assert sorted(e["data"]["partner"]["slug"] for e in events) == ["cardiff", "hywel-dda", "wcva"]
    assert all(e["actor_role"] == "lead" for e in events)
    listed = (await api.client.get("/api/v1/partners")).json()
    assert {p["slug"]: p["website"] for p in listed}["cardiff"] == "https://cardiff.gov.uk"


async def test_importing_projects_creates_them_with_their_tags_and_partner(api: Api) -> None:
    partner = await api.partner()
    text = ("slug,title_en,title_cy,partner_id,tags,start_date\n"
            f"forms-online,Forms online,Ffurflenni ar-lein,{partner['id']},forms; cloud,2024-04-01\n"
            "booking,Booking,Trefnu,,,\n")  # fmt: skip
    response = await upload(api, "projects", text)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 2}
    items = (await api.client.get("/api/v1/projects", headers=api.as_("lead"))).json()["items"]
    by_slug = {p["slug"]: p for p in items}
    assert by_slug["forms-online"]["tags"] == ["forms", "cloud"]
    assert by_slug["forms-online"]["partner_id"] == partner["id"]
    assert by_slug["forms-online"]["start_date"] == "2024-04-01"
    assert len(await api.events("portfolio.project.created")) == 2


async def test_a_file_with_bad_rows_is_refused_whole_with_every_bad_line_named(api: Api) -> None:
    text = (f"{PARTNER_HEADER}\n"
            "good-one,One,Un,health\n"
            "bad-kind,Two,Dau,council\n"
            "good-two,Three,Tri,other\n"
            "no-welsh,Four,,health\n"
            "good-three,Five,Pump,national_body\n")  # fmt: skip
    body = refused(await upload(api, "partners", text), 422)
    assert fields(body) == {"line 3: kind", "line 5: name_cy"}
    assert await count(api, "partners") == 0
    assert await api.events() == []


async def test_a_slug_repeated_within_the_file_is_reported_with_both_lines(api: Api) -> None:
    text = f"{PARTNER_HEADER}\nsame,One,Un,health\nother,Two,Dau,health\nsame,Three,Tri,health\n"
    body = refused(await upload(api, "partners", text), 422)
    [error] = body["errors"]
    assert error["field"] == "line 4: slug"
    assert "line 2" in error["message_en"] and "llinell 2" in error["message_cy"]
    assert await count(api, "partners") == 0 and await api.events() == []


async def test_a_slug_already_in_the_database_is_reported_with_its_line_and_nothing_is_written(api: Api) -> None:
    await api.partner(slug="taken")
    text = f"{PARTNER_HEADER}\nfresh,One,Un,health\ntaken,Two,Dau,health\nalso-fresh,Three,Tri,other\n"
    body = refused(await upload(api, "partners", text), 422)
    assert fields(body) == {"line 3: slug"}
    assert await count(api, "partners") == 1
    assert len(await api.events("portfolio.partner.registered")) == 1


async def test_an_unknown_column_is_reported_on_line_1(api: Api) -> None:
    text = f"{PARTNER_HEADER},colour\ncardiff,Cardiff,Caerdydd,local_authority,blue\n"
    body = refused(await upload(api, "partners", text), 422)
    assert fields(body) == {"line 1: colour"}
    assert await count(api, "partners") == 0 and await api.events() == []


async def test_an_empty_file_is_reported_on_line_1(api: Api) -> None:
    body = refused(await upload(api, "partners", ""), 422)
    assert fields(body) == {"line 1: header"}


async def test_importing_projects_for_an_unknown_partner_is_refused_naming_partner_id(api: Api) -> None:
    text = ("slug,title_en,title_cy,partner_id\n"
            "no-partner,Alone,Ar ei ben ei hun,\n"
            f"ghost,Ghost,Ysbryd,{uuid.uuid4()}\n")  # fmt: skip
    body = refused(await upload(api, "projects", text), 422)
    assert fields(body) == {"line 3: partner_id"}
    assert await count(api, "projects") == 0
    assert await api.events() == []


async def test_a_project_imported_amber_or_red_needs_a_reason_reported_on_its_line(api: Api) -> None:
    text = ("slug,title_en,title_cy,health,health_reason\n"
            "calm,Calm,Tawel,green,\n"
            "late,Late,Hwyr,amber,\n"
            "explained,Explained,Eglur,red,Supplier went bust\n")  # fmt: skip
    body = refused(await upload(api, "projects", text), 422)
    assert body["errors"] == [{"field": "line 3: health_reason", "message_en": "Say why the project is amber or red",
                               "message_cy": "Dywedwch pam mae'r prosiect yn ambr neu'n goch"}]  # fmt: skip
    assert await count(api, "projects") == 0 and await api.events() == []


async def test_an_import_names_unreadable_rows_and_rows_the_database_refuses_in_one_answer(api: Api) -> None:
    await api.partner(slug="taken")
    text = f"{PARTNER_HEADER}\nbad-kind,One,Un,council\ntaken,Two,Dau,health\nfresh,Three,Tri,other\n"
    body = refused(await upload(api, "partners", text), 422)
    assert [e["field"] for e in body["errors"]] == ["line 2: kind", "line 3: slug"]
    assert body["message_en"] == "2 rows have problems; nothing was imported"
    assert await count(api, "partners") == 1 and len(await api.events()) == 1


async def test_only_staff_import(api: Api) -> None:
    text = f"{PARTNER_HEADER}\ncardiff,Cardiff,Caerdydd,local_authority\n"
    refused(await upload(api, "partners", text, headers={}), 401)
    refused(await upload(api, "partners", text, headers=api.as_("partner", uuid.uuid4())), 403)
    assert await count(api, "partners") == 0 and await api.events() == []


async def test_a_file_that_is_not_utf8_is_refused(api: Api) -> None:
    text = f"{PARTNER_HEADER}\ncaerffili,Caerphilly,Caerffili,local_authority\nmon,Môn,Môn,other\n"
    body = refused(await upload(api, "partners", text.encode("latin-1")), 422)
    assert fields(body) == {"body"}
    assert await count(api, "partners") == 0 and await api.events() == []


async def test_a_utf8_file_with_a_byte_order_mark_imports(api: Api) -> None:
    text = f"{PARTNER_HEADER}\nmon,Anglesey,Ynys Môn,local_authority\n"
    response = await upload(api, "partners", text.encode("utf-8-sig"))
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1}
    [partner] = (await api.client.get("/api/v1/partners")).json()
    assert partner["name_cy"] == "Ynys Môn"


async def test_a_file_exported_when_beta_had_one_step_imports_its_beta_projects_into_private_beta(api: Api) -> None:
    text = "slug,title_en,title_cy,phase\nold-beta,Old beta,Hen beta,beta\n"
    response = await upload(api, "projects", text)
    assert response.status_code == 200, response.text
    [item] = (await api.client.get("/api/v1/projects", headers=api.as_("lead"))).json()["items"]
    assert item["phase"] == "private_beta"


async def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_as_text_and_imports_back_unchanged(
    api: Api,
) -> None:
    hostile = {"=HYPERLINK(\"http://evil.example\")": "title_en", "+1+1": "title_cy", "-2+3": "summary_en",
               "@SUM(A1)": "summary_cy"}  # fmt: skip
    await api.project(slug="formulas", **{field: text for text, field in hostile.items()})
    exported = (await api.client.get("/api/v1/projects/export.csv")).text
    [row] = list(csv.DictReader(io.StringIO(exported)))
    for text, field in hostile.items():
        assert row[field] == "'" + text, field
    assert all(line.startswith('"') for line in exported.splitlines())  # every cell quoted
    renamed = exported.replace('"formulas"', '"formulas-again"')
    columns = [c for c in csvio.EXPORT_COLUMNS if c in NewProject.__struct_fields__]
    reader = csv.DictReader(io.StringIO(renamed))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(reader)
    imported = await api.client.post("/api/v1/import/projects", content=out.getvalue().encode(),
                                     headers={**api.as_("lead"), "Content-Type": "text/csv"})  # fmt: skip
    assert imported.status_code == 200, imported.text
    again = (await api.client.get("/api/v1/projects/by-slug/formulas-again")).json()
    assert [again[field] for field in hostile.values()] == list(hostile)
