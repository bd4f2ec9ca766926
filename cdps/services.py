"""The services, in one table: name, app factory, migrations and port setting.

Everything that runs, migrates or checks "every service" (`cdps serve`, `cdps migrate`, `cdps run`,
the tests) goes through this table, so a service cannot be forgotten in one of those places.
A service's app module is imported only when it is needed: `cdps users list` starts no web app.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast, get_args

from shared import db
from shared.settings import FIELDS, ServiceName, Settings

if TYPE_CHECKING:
    from litestar import Litestar


@dataclass(frozen=True)
class Service:
    name: ServiceName
    module: str
    """The service's app module: it defines `create_app(settings)` and `MIGRATIONS`."""
    port_field: str
    """The Settings field of its listening port."""

    @property
    def create_app(self) -> Callable[[Settings], Litestar]:
        return cast("Callable[[Settings], Litestar]", importlib.import_module(self.module).create_app)

    @property
    def migrations(self) -> db.Migrations:
        return cast(db.Migrations, importlib.import_module(self.module).MIGRATIONS)

    def port(self, settings: Settings) -> int:
        return cast(int, getattr(settings, self.port_field))

    @property
    def port_variable(self) -> str:
        (variable,) = [name for name, field in FIELDS.items() if field.name == self.port_field]
        return variable


SERVICES: tuple[Service, ...] = (
    Service("portfolio", "services.portfolio.app", "portfolio_port"),
    Service("search", "services.search.app", "search_port"),
    Service("notifier", "services.notifier.app", "notifier_port"),
    Service("webhooks", "services.webhooks.app", "webhooks_port"),
    Service("web", "web.app", "web_port"),
)
NAMES: tuple[ServiceName, ...] = tuple(service.name for service in SERVICES)
assert set(NAMES) == set(get_args(ServiceName)), "every ServiceName has a row"


def service(name: ServiceName) -> Service:
    (found,) = [s for s in SERVICES if s.name == name]
    return found


async def migrate_all(dsn: str) -> None:
    """Every service's schema, in the table's order (the web's included)."""
    for each in SERVICES:
        await db.migrate(dsn, each.name, each.migrations)
