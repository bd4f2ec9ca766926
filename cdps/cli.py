"""The `cdps` command: run the whole product, one service, migrations, seeding and the mail sink.

Without DATABASE_URL, the commands that work on the data (users, token, partners, import, seed,
search, migrate) use the servers of the `cdps run` running with the same data folder."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from pathlib import Path

from cdps.runstate import with_running_stack
from cdps.services import NAMES, migrate_all
from shared.logs import configure_logging
from shared.service import require
from shared.settings import ConfigError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cdps", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the whole product on embedded servers (development)")
    serve_cmd = commands.add_parser("serve", help="run one service")
    serve_cmd.add_argument("service", choices=NAMES)
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
    users_actions.add_parser("list", help="list accounts: email, role, partner id")
    partners = commands.add_parser("partners", help="partner organisations (a partner account needs one's id)")
    partners.add_subparsers(dest="action", required=True).add_parser("list", help="list them: id, slug, name")
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
            from cdps.devstack import run_stack

            return run_stack(settings)
        if args.command == "serve":
            from cdps.serving import serve

            serve(args.service, settings)
        elif args.command == "mail-sink":
            try:
                from cdps.mailsink import run_sink
            except ModuleNotFoundError as missing:  # the image ships without the `local` extra
                raise ConfigError(f"the development mail sink needs {missing.name}: run `make install`") from None
            asyncio.run(run_sink(settings, args.smtp_port, args.http_port))
        elif args.command == "search":
            from cdps.jobs import reindex_with_progress

            asyncio.run(reindex_with_progress(with_running_stack(settings)))
        else:
            return run_on_database(require(with_running_stack(settings).database_url, "DATABASE_URL"), args)
    except ConfigError as exc:
        print(f"cdps: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left before the output ended (`cdps partners list | head -1`): what it wanted
        # it has. Point stdout at nothing, or the flush at exit would fail again, as a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def run_on_database(dsn: str, args: argparse.Namespace) -> int:
    """The commands that need PostgreSQL only."""
    if args.command == "migrate":
        asyncio.run(migrate_all(dsn))
        print("migrated every schema: " + ", ".join(NAMES))
    elif args.command in ("users", "token"):
        from cdps.admin import manage_accounts

        print(asyncio.run(manage_accounts(dsn, args)))
    elif args.command == "partners":
        from cdps.admin import list_partners

        print(asyncio.run(list_partners(dsn)))
    elif args.command == "import":
        from cdps.jobs import import_with_progress

        return asyncio.run(import_with_progress(dsn, args.kind, args.file))
    elif args.command == "seed":
        from services.portfolio.demo import seed_demo

        count = asyncio.run(seed_demo(dsn))
        print(f"demo portfolio loaded: {count} projects")
    return 0
