"""Measures: the catalogue, a project's measures and their monthly values, and every measure the
caller may see (the portfolio and performance pages). Staff define and change measures; staff or the
project's partner record values, as JSON or a CSV upload (all or nothing)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody

from services.portfolio import measure_rules, measure_store, measures, store
from services.portfolio.measure_rules import MeasureChanges, NewMeasure, NewValues, Removal
from services.portfolio.routes.common import recorded, today, written
from shared import measures as catalogue
from shared.bilingual import Bilingual
from shared.http import FieldError, Invalid
from shared.idempotency import idempotent
from shared.measures import Direction, Unit
from shared.replies.portfolio import Measure, MeasureImportResult
from shared.requests import Caller, Connection, ExpectedVersion, staff_only

ONE = "/{project_id:uuid}/measures/{measure_id:uuid}"


class CatalogueMeasure(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: Bilingual
    unit: Unit
    direction: Direction


@get("/api/v1/measures/catalogue", tags=["measures"])
async def measure_catalogue() -> list[CatalogueMeasure]:
    """The measures a project may choose to track, with their names in both languages."""
    return [CatalogueMeasure(code=code, name=Bilingual(en=en, cy=cy), unit=catalogue.CATALOGUE[code].unit,
                             direction=catalogue.CATALOGUE[code].direction)
            for code, en, cy in measures.catalogue_names()]  # fmt: skip


@get("/api/v1/measures", tags=["measures"])
async def every_measure(identity: Caller, conn: Connection) -> list[Measure]:
    """Every measure the caller may see, with its values: staff all; a partner its own projects';
    everyone the published measures of public projects."""
    return [measure_rules.reply(i, s, v, values) for (i, s, v), values in await measure_store.visible(conn, identity)]


class MeasuresController(Controller):
    path = "/api/v1/projects"
    tags = ["measures"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/{project_id:uuid}/measures")
    async def list_measures(self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
                            ) -> list[Measure]:  # fmt: skip
        """The project's measures the caller may see (the public: the published ones), oldest first."""
        await store.get_project(conn, project_id, identity)  # 404 unless the caller may see the project
        found = await measure_store.of_project(conn, project_id, identity)
        return [measure_rules.reply(i, s, v, values) for (i, s, v), values in found]

    @idempotent
    @post("/{project_id:uuid}/measures", guards=[staff_only])
    async def define_measure(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[NewMeasure], identity: Caller, conn: Connection
    ) -> Response[Measure]:
        measure, position = await measures.define(conn, identity.actor, project_id, data)
        return written(measure, version=measure.version, position=position, status=201,
                       location=f"/api/v1/projects/{project_id}/measures/{measure.id}")  # fmt: skip

    @patch(ONE, guards=[staff_only])
    async def change_measure(
        self, project_id: FromPath[uuid.UUID], measure_id: FromPath[uuid.UUID], data: JSONBody[MeasureChanges],
        identity: Caller, conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Measure]:  # fmt: skip
        measure, position = await measures.change(conn, identity.actor, project_id, measure_id, data, expected_version)
        return written(measure, version=measure.version, position=position)

    @idempotent
    @post(ONE + "/remove", status_code=204, guards=[staff_only])
    async def remove_measure(
        self, project_id: FromPath[uuid.UUID], measure_id: FromPath[uuid.UUID], data: JSONBody[Removal],
        identity: Caller, conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[None]:  # fmt: skip
        """Stop tracking the measure, saying why (``reason``, in English, Welsh or both): it is no longer shown
        or counted anywhere, and its values are kept in history."""
        position = await measures.remove(conn, identity.actor, project_id, measure_id, data, expected_version)
        return recorded(None, position=position, status=204)

    @idempotent
    @post(ONE + "/values", status_code=200)
    async def record_values(
        self, project_id: FromPath[uuid.UUID], measure_id: FromPath[uuid.UUID], data: JSONBody[NewValues],
        identity: Caller, conn: Connection,
    ) -> Response[Measure]:  # fmt: skip
        """Staff, or the project's own partner: a value for each month given (one already recorded is corrected)."""
        measure, position = await measures.record_values(conn, identity, project_id, measure_id, data, today())
        return written(measure, version=measure.version, position=position)

    @idempotent
    @post("/{project_id:uuid}/measures/upload", status_code=200)
    async def upload_values(
        self, project_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], identity: Caller, conn: Connection
    ) -> MeasureImportResult:
        """A CSV body (UTF-8) with the columns measure (its id, catalogue code or name), month (2026-05) and
        value: all of it is recorded, or, if any row is bad, none, and every bad row is named by its line."""
        try:
            text = (await request.body()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(
                [FieldError("body", "The file is not UTF-8 text", "Nid yw'r ffeil yn destun UTF-8")]
            ) from None
        return MeasureImportResult(recorded=await measures.upload(conn, identity, project_id, text, today()))
