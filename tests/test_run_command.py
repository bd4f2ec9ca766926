"""`cdps run` (what `make run` calls): brings everything up, stops everything, reuses its data,
and a bad configuration ends with one clear line instead of a traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from cdps.embedded import free_port, port_is_free
from cdps.services import NAMES, SERVICES
from shared.db import load_migrations
from tests.conftest import create_database, drop_database


def run_env(data_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", "SMTP_URL")}
    env.update({f"CDPS_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update(CDPS_DATA_DIR=str(data_dir), CDPS_SMTP_SINK_PORT=str(free_port()))
    return env


def cdps(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdps", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def processes_using(data_dir: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            if str(data_dir) in cmdline or str(data_dir).encode() in environ:
                found.append(f"{proc.name}: {cmdline}")
    return found


def start_and_stop(data_dir: Path) -> str:
    ports: dict[str, int] = {name: free_port() for name in NAMES}
    runner = subprocess.Popen(
        [sys.executable, "-m", "cdps", "run"], env=run_env(data_dir, ports),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output = []
    try:
        assert runner.stdout is not None
        for line in runner.stdout:
            output.append(line)
            if "CDPS portfolio is running" in line:
                break
        else:
            pytest.fail("cdps run ended before it was ready:\n" + "".join(output))
        for name, port in ports.items():
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200, name
        home = httpx.get(f"http://127.0.0.1:{ports['web']}/?lang=en").text
        runner.send_signal(signal.SIGINT)  # what Ctrl-C does
        rest, _ = runner.communicate(timeout=60)
        output.append(rest)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 0, "".join(output)
    for port in ports.values():
        assert port_is_free("127.0.0.1", port)
    deadline = time.monotonic() + 10
    while processes_using(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_using(data_dir) == []
    return home


def test_run_starts_everything_stops_cleanly_and_a_second_run_reuses_the_data(tmp_path: Path) -> None:
    first = start_and_stop(tmp_path)
    assert "Digital land transaction tax returns" in first  # the demo portfolio
    second = start_and_stop(tmp_path)
    assert second.count("Digital land transaction tax returns") == 1  # same data, not loaded twice


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "NATS_URL": "nats://127.0.0.1:1"},
         "cannot reach PostgreSQL"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "NATS_URL": "localhost:4222"}, "NATS_URL"),
        ({"CDPS_SMTP_RATE": "fast"}, "CDPS_SMTP_RATE='fast' is not valid: expected emails per second"),
        ({"CDPS_SMTP_RATE": "0"}, "CDPS_SMTP_RATE='0' is not valid"),
        ({"CDPS_LOG_LEVEL": "LOUD"}, "CDPS_LOG_LEVEL='LOUD' is not valid: expected one of DEBUG, INFO"),
        ({"CDPS_WEB_PORT": "²"}, "CDPS_WEB_PORT='²' is not valid: expected a port number from 1 to 65535"),
        ({"CDPS_RELAY_POLL_SECONDS": ""}, "cannot reach PostgreSQL"),  # empty is unset, not a traceback
    ],
)  # fmt: skip
def test_bad_configuration_is_one_clear_line(tmp_path: Path, variables: dict[str, str], expected: str) -> None:
    unreachable = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "NATS_URL": "nats://127.0.0.1:1"}
    env = dict(os.environ, CDPS_DATA_DIR=str(tmp_path), CDPS_PORTFOLIO_PORT=str(free_port()), **unreachable)
    env.update(variables)
    result = cdps("serve", "portfolio", env=env)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, CDPS_DATA_DIR=str(tmp_path), CDPS_WEB_PORT=str(port))
        result = cdps("run", env=env)
    assert result.returncode == 2
    assert f"port {port} (CDPS_WEB_PORT) is in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_first_admin_is_added_from_the_command_line_and_gets_an_api_token(
    database_url: str, tmp_path: Path
) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, CDPS_DATA_DIR=str(tmp_path))
    added = cdps("users", "add", "--email", "Admin@CDPS.example", "--role", "admin", env=env)
    assert added.returncode == 0 and "added admin@cdps.example as admin" in added.stdout
    again = cdps("users", "add", "--email", "admin@cdps.example", "--role", "admin", env=env)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    partner_without_org = cdps("users", "add", "--email", "p@x.cy", "--role", "partner", env=env)
    assert partner_without_org.returncode == 2 and "--partner" in partner_without_org.stderr
    unknown = str(uuid.uuid4())
    partner_of_nothing = cdps("users", "add", "--email", "p@x.cy", "--role", "partner", "--partner", unknown, env=env)
    assert (
        partner_of_nothing.returncode == 2
        and f"no partner organisation has the id {unknown}" in partner_of_nothing.stderr
    )
    assert cdps("partners", "list", env=env).stdout.startswith("no partner organisations yet")
    token = cdps("token", "create", "--email", "admin@cdps.example", env=env)
    assert token.returncode == 0 and token.stdout.strip().splitlines()[-1].startswith("cdps_")
    listed = cdps("users", "list", env=env)
    assert "admin@cdps.example\tadmin" in listed.stdout


def test_a_csv_import_from_the_command_line_is_all_or_nothing(database_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, CDPS_DATA_DIR=str(tmp_path))
    good = tmp_path / "partners.csv"
    good.write_text("slug,name_en,name_cy,kind\nwra,Welsh Revenue Authority,Awdurdod Cyllid Cymru,national_body\n"
                    "nrw,Natural Resources Wales,Cyfoeth Naturiol Cymru,national_body\n")  # fmt: skip
    result = cdps("import", "partners", str(good), env=env)
    assert result.returncode == 0 and "imported 2 partners" in result.stdout, result.stderr
    bad = tmp_path / "more.csv"
    bad.write_text("slug,name_en,name_cy,kind\nok-one,A,A,other\nwra,B,B,other\nbad,C,C,castle\n")
    result = cdps("import", "partners", str(bad), env=env)
    assert result.returncode == 1
    assert "line 4, kind" in result.stderr and "nothing was imported" in result.stderr
    result = cdps("import", "partners", str(bad.with_name("fixed.csv")), env=env)
    assert result.returncode == 2 and "cannot read" in result.stderr


async def test_migrate_applies_every_services_migrations_the_webs_included(
    servers: tuple[str, str], tmp_path: Path
) -> None:
    admin_dsn, _ = servers
    dsn = await create_database(admin_dsn, "template0")  # empty: nothing migrated yet
    try:
        result = cdps("migrate", env=dict(os.environ, DATABASE_URL=dsn, CDPS_DATA_DIR=str(tmp_path)))
        assert result.returncode == 0, result.stderr
        conn = await asyncpg.connect(dsn)
        try:
            for service in SERVICES:
                applied = [r["version"] for r in await conn.fetch(
                    f"SELECT version FROM {service.name}.schema_migrations ORDER BY version")]  # fmt: skip
                assert applied == [m.version for m in load_migrations(service.migrations.folder)], service.name
        finally:
            await conn.close()
        assert {s.name for s in SERVICES} == {"portfolio", "search", "notifier", "webhooks", "web"}
    finally:
        await drop_database(admin_dsn, dsn)


def test_a_listing_piped_into_a_reader_that_has_gone_ends_quietly(database_url: str, tmp_path: Path) -> None:
    # `cdps partners list | head -1`: head leaves after its line, and the rest has nowhere to go.
    # A pipe whose reading end is closed before the command starts makes that certain, not a race.
    env = dict(os.environ, DATABASE_URL=database_url, CDPS_DATA_DIR=str(tmp_path))
    reading, writing = os.pipe()
    os.close(reading)
    try:
        result = subprocess.run([sys.executable, "-m", "cdps", "partners", "list"], env=env, stdout=writing,
                                stderr=subprocess.PIPE, text=True, timeout=120)  # fmt: skip
    finally:
        os.close(writing)
    assert result.stderr == "" and result.returncode == 0
