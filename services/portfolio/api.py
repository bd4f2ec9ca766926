"""The portfolio's JSON API under /api/v1. Controllers stay thin: parse, authorise, call the store."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter

from services.portfolio import store
from services.portfolio.domain import NewProject, Page, Project
from shared.http import Conflict, FieldError, caller, require_staff
from shared.service import Runtime


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/")
    async def create_project(
        self, data: NewProject, request: Request[Any, Any, Any], state: State
    ) -> Response[Project]:
        identity = caller(request)
        require_staff(identity)
        runtime: Runtime = state.runtime
        async with runtime.pool.acquire() as conn:
            try:
                project, position = await store.create_project(conn, data, identity.actor)
            except store.SlugTaken:
                raise Conflict(
                    "A project with this slug already exists",
                    "Mae prosiect gyda'r slug hwn yn bodoli eisoes",
                    [
                        FieldError(
                            "slug", "This slug is already used", "Mae'r slug hwn yn cael ei ddefnyddio eisoes"
                        )
                    ],
                ) from None
        return Response(
            project,
            status_code=201,
            headers={
                "Location": f"/api/v1/projects/{project.id}",
                "ETag": f'"{project.version}"',
                "X-Event-Position": str(position),
            },
        )

    @get("/")
    async def list_projects(self, state: State, limit: Annotated[int, Parameter(ge=1, le=200)] = 50) -> Page:
        runtime: Runtime = state.runtime
        async with runtime.pool.acquire() as conn:
            return Page(items=await store.list_projects(conn, limit=limit))
