"""What a page shows, downloaded as CSV or XLSX from a link on the page: the filtered portfolio, the
engagements, a partner's projects and the open actions; each holds only what the viewer may see,
both languages side by side, and no cell is ever read as a formula."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile

import httpx

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_strings(response: httpx.Response) -> str:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = zipfile.ZipFile(io.BytesIO(response.content))
    assert "xl/worksheets/sheet1.xml" in book.namelist()
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    return book.read("xl/sharedStrings.xml").decode()


async def test_the_portfolio_downloads_as_the_viewer_sees_it_with_the_pages_filters(stack: Stack) -> None:
    partner = await create_partner(stack, "Ynys Môn Council", "Cyngor Sir Ynys Môn")
    public = await create_project(stack, partner_id=partner["id"], title_en="=HYPERLINK(\"http://evil\")",
                                  title_cy="Casglu sbwriel", tags=["forms"])  # fmt: skip
    hidden = await create_project(stack, partner_id=partner["id"], visibility="internal", tags=["forms"])
    async with browser(stack) as visitor:
        home = await visitor.get("/", params={"lang": "en", "tag": "forms"})
        assert (
            'href="/exports/portfolio.csv?tag=forms' in home.text and "/exports/portfolio.xlsx?tag=forms" in home.text
        )
        rows = csv_rows(await visitor.get("/exports/portfolio.csv", params={"tag": "forms"}))
        slugs = {r["slug"] for r in rows}
        assert public["slug"] in slugs and hidden["slug"] not in slugs  # what the public may see
        [mine] = [r for r in rows if r["slug"] == public["slug"]]
        assert mine["title_en"] == '\'=HYPERLINK("http://evil")' and mine["partner_cy"] == "Cyngor Sir Ynys Môn"
        assert all("forms" in r["tags"].split() for r in rows)
        strings = xlsx_strings(await visitor.get("/exports/portfolio.xlsx", params={"tag": "forms"}))
        assert "Casglu sbwriel" in strings and hidden["slug"] not in strings
    async with browser(stack, "lead") as lead:
        slugs = {r["slug"] for r in csv_rows(await lead.get("/exports/portfolio.csv", params={"tag": "forms"}))}
        assert {public["slug"], hidden["slug"]} <= slugs


async def test_engagements_a_partners_projects_and_actions_download_for_whoever_may_see_them(stack: Stack) -> None:
    a, b = await create_partner(stack), await create_partner(stack)
    ours = await create_project(stack, partner_id=a["id"], visibility="partner")
    for partner, summary in ((a, "Advice on forms"), (b, "Training for B")):
        made = await api(stack, "POST", "/api/v1/engagements", json={
            "partner_id": partner["id"], "kind": "advice", "summary_en": summary, "summary_cy": "Cyngor",
            "started_on": "2026-01-05"})  # fmt: skip
        assert made.status_code == 201
    async with browser(stack, "partner", partner_id=uuid.UUID(a["id"])) as theirs:
        page = await theirs.get("/engagements", params={"lang": "en"})
        assert 'href="/exports/engagements.csv"' in page.text and 'href="/exports/engagements.xlsx"' in page.text
        summaries = {r["summary_en"] for r in csv_rows(await theirs.get("/exports/engagements.csv"))}
        assert "Advice on forms" in summaries and "Training for B" not in summaries
        assert "Training for B" not in xlsx_strings(await theirs.get("/exports/engagements.xlsx"))
        partner_page = await theirs.get(f"/partners/{a['id']}", params={"lang": "en"})
        assert f'href="/exports/partners/{a["id"]}/projects.csv"' in partner_page.text
        slugs = {r["slug"] for r in csv_rows(await theirs.get(f"/exports/partners/{a['id']}/projects.csv"))}
        assert slugs == {ours["slug"]}
        gates = await theirs.get("/gates", params={"lang": "en"})
        assert 'href="/exports/actions.csv"' in gates.text
        assert csv_rows(await theirs.get("/exports/actions.csv")) == []  # none on their projects yet
    async with browser(stack) as visitor:
        assert (await visitor.get(f"/exports/partners/{a['id']}/projects.csv")).content.count(b"\n") == 1  # header
        assert (await visitor.get("/exports/engagements.csv")).status_code in (401, 303)
        assert (await visitor.get("/exports/portfolio.pdf")).status_code == 404
    async with browser(stack, "lead") as lead:
        rows = csv_rows(await lead.get("/exports/engagements.csv", params={"partner": b["id"]}))
        assert [r["summary_en"] for r in rows] == ["Training for B"] and re.match(r"\d{4}-", rows[0]["started_on"])
