"""The portfolio service: source of truth for partners, projects and engagements, and the outbox relay."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler

from services.portfolio import contacts, store
from services.portfolio.routes import comments, records
from services.portfolio.routes.assessments import AssessmentsController
from services.portfolio.routes.contacts import ContactsController
from services.portfolio.routes.funding import FundingController, every_funding_record
from services.portfolio.routes.measures import MeasuresController, every_measure, measure_catalogue
from services.portfolio.routes.milestones import MilestonesController, every_milestone
from services.portfolio.routes.partners import PartnersController
from services.portfolio.routes.projects import ProjectsController
from services.portfolio.routes.translations import missing_translations, translate
from shared import db, idempotency
from shared.http import EXCEPTION_HANDLERS, JsonRequest
from shared.inputs import check_input
from shared.outbox import Relay
from shared.requests import REQUEST_CONTEXT, version_before_connection
from shared.service import OPERATIONS, Job, Runtime, lifespan
from shared.settings import Settings
from shared.supervision import Health
from shared.wakeup import RingAfterCommit

MIGRATIONS = db.Migrations(Path(__file__).parent / "migrations", shared=("outbox", "idempotency"))

ROUTES: list[ControllerRouterHandler] = [
    ProjectsController,
    PartnersController,
    ContactsController,
    AssessmentsController,
    MilestonesController,
    every_milestone,
    MeasuresController,
    every_measure,
    measure_catalogue,
    FundingController,
    every_funding_record,
    records.record_engagement,
    records.list_engagements,
    records.get_engagement,
    records.edit_engagement,
    records.end_engagement,
    records.request_support,
    records.list_support_requests,
    records.my_support_requests,
    records.triage,
    records.correct_need_language,
    records.add_person,
    records.list_people,
    records.lead_names,
    records.import_csv,
    *comments.ROUTES,
    missing_translations,
    translate,
]


async def run_relay(runtime: Runtime, health: Health) -> None:
    relay = Relay(
        runtime.pool, runtime.dsn, runtime.js, runtime.settings, schema="portfolio", health=health,
        doorbell=runtime.doorbell,
    )  # fmt: skip
    await relay.run(runtime.stop)


RELAY = Job("relay", run_relay, uses_stream=True)
CONTACTS = Job("contacts", contacts.run_responder)
HOUSEKEEPING = idempotency.housekeeping_job()


def create_app(settings: Settings) -> Litestar:
    return Litestar(
        route_handlers=[*ROUTES, *OPERATIONS],
        # The projects last changed here, so their next change needs no read first (store.Recent).
        state=State({"recent_projects": store.Recent()}),
        dependencies=REQUEST_CONTEXT,
        on_app_init=[version_before_connection],
        lifespan=[lifespan("portfolio", settings, MIGRATIONS, background=[RELAY, HOUSEKEEPING, CONTACTS])],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,  # every record is rendered by shared/logs.py
        request_class=JsonRequest,
        # The API's writes leave waking the relay until they have committed (shared/wakeup.py).
        middleware=[RingAfterCommit],
        before_request=check_input,
        openapi_config=OpenAPIConfig(title="CDPS portfolio", version="1.0.0", path="/api/v1/schema"),
    )
