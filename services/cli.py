"""The `cdps` command: run the whole product, one service, migrations, seeding and the mail sink."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import get_args

import nats.errors
from litestar import Litestar

from shared import bus, db
from shared.embedded import port_is_free
from shared.logs import configure_logging
from shared.service import STREAM_AT_START_SECONDS, STREAM_USERS, require
from shared.settings import ConfigError, ServiceName, Settings, load_settings

SERVICES: tuple[ServiceName, ...] = get_args(ServiceName)


def app_factory(name: ServiceName) -> Callable[[Settings], Litestar]:
    if name == "portfolio":
        from services.portfolio.app import create_app
    elif name == "search":
        from services.search.app import create_app
    elif name == "notifier":
        from services.notifier.app import create_app
    else:
        from web.app import create_app
    return create_app


def migration_folders() -> dict[str, db.Migrations]:
    from services.notifier.app import MIGRATIONS as notifier
    from services.portfolio.app import MIGRATIONS as portfolio
    from services.search.app import MIGRATIONS as search

    return {"portfolio": portfolio, "search": search, "notifier": notifier}


async def migrate_all(dsn: str) -> None:
    for schema, migrations in migration_folders().items():
        await db.migrate(dsn, schema, migrations)


async def preflight(settings: Settings, *, stream: bool = True) -> None:
    """Reach PostgreSQL and NATS before serving, so a bad URL is one clear line, not a traceback;
    likewise a stream the NATS cluster cannot keep with the replicas asked for. A stream that is
    only unavailable for now (its cluster electing a leader) does not stop the start."""
    conn = await db.connect(require(settings.database_url, "DATABASE_URL"))
    await conn.close()
    nc = await bus.connect(require(settings.nats_url, "NATS_URL"), name="cdps-preflight")
    try:
        if stream:
            with contextlib.suppress(TimeoutError, nats.errors.Error):
                await asyncio.wait_for(bus.ensure_stream(nc.jetstream(), settings), STREAM_AT_START_SECONDS)
    finally:
        await nc.close()


def serve(name: ServiceName, settings: Settings) -> None:
    import uvicorn

    port = settings.port_of(name)
    if not port_is_free(settings.host, port):
        variable = f"CDPS_{name.upper()}_PORT"
        raise ConfigError(f"port {port} ({variable}) is in use: stop what listens there or set {variable}")
    asyncio.run(preflight(settings, stream=name in STREAM_USERS))
    app = app_factory(name)(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=port, log_config=None, access_log=False,
        lifespan="on", timeout_graceful_shutdown=15,
        # Only named proxies may set the client address (rate limits key on it).
        proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.trusted_proxies or None,
    )  # fmt: skip
    server = uvicorn.Server(config)
    # A background task that cannot go on ends the service (shared.service.lifespan): stop serving,
    # and exit non-zero so that a supervisor starts a fresh process.
    app.state.end_process = lambda: setattr(server, "should_exit", True)
    server.run()
    runtime = app.state.get("runtime")
    if runtime is not None and runtime.ended is not None:
        raise ConfigError(f"{name} stopped: {runtime.ended}")


async def manage_accounts(settings: Settings, args: argparse.Namespace) -> str:
    from web import accounts
    from web.app import MIGRATIONS as WEB_MIGRATIONS

    dsn = require(settings.database_url, "DATABASE_URL")
    await db.migrate(dsn, "web", WEB_MIGRATIONS)
    conn = await db.connect(dsn)
    await conn.execute("SET search_path TO web, public")
    try:
        if args.command == "users" and args.action == "list":
            return "\n".join(f"{a.email}\t{a.role}\t{a.partner_id or ''}" for a in await accounts.list_accounts(conn))
        if args.command == "users":
            if (args.role == "partner") != (args.partner is not None):
                raise ConfigError("--partner is required for a partner account, and only for one")
            try:
                added = await accounts.add_account(
                    conn, email=args.email, role=args.role, partner_id=args.partner, name=args.name
                )
            except accounts.AccountExists:
                raise ConfigError(f"an account for {args.email} already exists") from None
            return f"added {added.email} as {added.role}"
        account = await accounts.find_account(conn, args.email)
        if account is None:
            raise ConfigError(f"no active account for {args.email}")
        if args.action == "revoke":
            done = await accounts.revoke_api_token(conn, account.id, args.id)
            return "revoked" if done else "no such active token for that account"
        token, secret = await accounts.create_api_token(conn, account, args.name)
        return f"token {token.id} for {account.email} (shown once):\n{secret}"
    finally:
        await conn.close()


async def import_with_progress(settings: Settings, kind: str, path: Path) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from services.portfolio import importer
    from services.portfolio.app import MIGRATIONS
    from shared.events import Actor

    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    dsn = require(settings.database_url, "DATABASE_URL")
    await db.migrate(dsn, "portfolio", MIGRATIONS)
    pool = await db.create_pool(dsn, "portfolio")
    try:
        with Progress("{task.description}", BarColumn(), MofNCompleteColumn()) as bar:
            task = bar.add_task(f"Importing {kind}", total=None)
            async with pool.acquire() as conn:
                count = await importer.import_rows(
                    conn, kind, text, Actor(id="cli-import", role="admin"),
                    lambda done, total: bar.update(task, completed=done, total=total),
                )  # fmt: skip
    except importer.Rejected as rejected:
        print(f"{rejected.message_en} / {rejected.message_cy}", file=sys.stderr)
        for error in rejected.errors:
            print(f"  line {error.line}, {error.field}: {error.message_en} / {error.message_cy}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(f"imported {count} {kind}")
    return 0


async def reindex_with_progress(settings: Settings) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from services.search.app import MIGRATIONS
    from services.search.reindex import reindex
    from shared.service import start_runtime, stop_runtime

    await preflight(settings)
    runtime = await start_runtime("search", settings, MIGRATIONS)
    try:
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns) as bar:
            task = bar.add_task("Rebuilding the search index", total=None)
            up_to = await reindex(runtime, lambda done, total: bar.update(task, completed=done, total=total))
        print(f"search index rebuilt up to stream sequence {up_to}")
    finally:
        await stop_runtime(runtime, [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cdps", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the whole product on embedded servers (development)")
    serve_cmd = commands.add_parser("serve", help="run one service")
    serve_cmd.add_argument("service", choices=SERVICES)
    commands.add_parser("migrate", help="apply every service's migrations to DATABASE_URL")
    sink = commands.add_parser("mail-sink", help="development SMTP sink that shows mail on a web page")
    sink.add_argument("--smtp-port", type=int, required=True)
    sink.add_argument("--http-port", type=int, required=True)
    search_cmd = commands.add_parser("search", help="search index maintenance")
    search_cmd.add_argument("action", choices=["reindex"], help="rebuild from the stream and swap in atomically")
    users = commands.add_parser("users", help="accounts (the first admin is added this way)")
    users_actions = users.add_subparsers(dest="action", required=True)
    add_user = users_actions.add_parser("add", help="add an account")
    add_user.add_argument("--email", required=True)
    add_user.add_argument("--role", required=True, choices=["admin", "lead", "partner"])
    add_user.add_argument("--partner", type=uuid.UUID, help="the partner organisation's id (partner users only)")
    add_user.add_argument("--name", default="")
    users_actions.add_parser("list", help="list accounts")
    token_cmd = commands.add_parser("token", help="API tokens for operators")
    token_actions = token_cmd.add_subparsers(dest="action", required=True)
    create_token = token_actions.add_parser("create", help="create a token for an account; printed once")
    create_token.add_argument("--email", required=True)
    create_token.add_argument("--name", default="operator token")
    revoke_token = token_actions.add_parser("revoke", help="revoke a token")
    revoke_token.add_argument("--email", required=True)
    revoke_token.add_argument("--id", required=True, type=uuid.UUID)
    import_cmd = commands.add_parser("import", help="create partners or projects from a CSV file (all or nothing)")
    import_cmd.add_argument("kind", choices=["partners", "projects"])
    import_cmd.add_argument("file", type=Path)
    seed = commands.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", required=True, help="the bilingual demo portfolio")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
        configure_logging(settings, args.command if args.command != "serve" else args.service)
        if args.command == "run":
            from services.devstack import run_stack

            return run_stack(settings)
        if args.command == "serve":
            serve(args.service, settings)
        elif args.command == "migrate":
            asyncio.run(migrate_all(require(settings.database_url, "DATABASE_URL")))
        elif args.command == "mail-sink":
            from services.mailsink import run_sink

            asyncio.run(run_sink(settings, args.smtp_port, args.http_port))
        elif args.command in ("users", "token"):
            print(asyncio.run(manage_accounts(settings, args)))
        elif args.command == "import":
            return asyncio.run(import_with_progress(settings, args.kind, args.file))
        elif args.command == "search":
            asyncio.run(reindex_with_progress(settings))
        elif args.command == "seed":
            from services.portfolio.demo import seed_demo

            count = asyncio.run(seed_demo(require(settings.database_url, "DATABASE_URL")))
            print(f"demo portfolio loaded: {count} projects")
    except ConfigError as exc:
        print(f"cdps: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
