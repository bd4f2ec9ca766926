"""Other `cdps` commands find a running `cdps run` by its data folder, and never trust a dead one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdps.runstate import RunningStack, find

HOLDER = """
import sys
from pathlib import Path
from cdps.runstate import RunLock, RunningStack
lock = RunLock(Path(sys.argv[1]))
lock.acquire()
if sys.argv[2] == "ready":
    lock.publish(RunningStack(pid=0, database_url="postgresql://postgres@127.0.0.1:1/cdps",
                              nats_url="nats://127.0.0.1:1", smtp_url=None, web_url="http://127.0.0.1:8200", mail_url=None))
print("holding", flush=True)
sys.stdin.read()  # holds until the test kills it, or until the test process has gone and the pipe closes
"""


def hold(data_dir: Path, stage: str) -> subprocess.Popen[str]:
    """A process that holds the data folder as `cdps run` does (ready: its servers published)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir), stage], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    return holder


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = hold(tmp_path, "ready")
    yield process
    process.kill()
    process.wait()


def cdps(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", "SMTP_URL")}
    return subprocess.run([sys.executable, "-m", "cdps", *args], env={**env, "CDPS_DATA_DIR": str(data_dir)},
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_a_running_stack_is_found_by_its_data_folder(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    running = find(tmp_path)
    assert isinstance(running, RunningStack) and running.web_url == "http://127.0.0.1:8200"
    result = cdps("users", "list", data_dir=tmp_path)  # uses the published (here unreachable) server
    assert result.returncode == 2 and "cannot reach PostgreSQL at 127.0.0.1:1/cdps" in result.stderr


def test_the_file_of_a_killed_run_is_recognised_as_stale_and_removed(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (tmp_path / "stack.json").exists()  # a killed run cannot clean up
    result = cdps("users", "list", data_dir=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"cdps: no `cdps run` is running with the data folder {tmp_path}, and DATABASE_URL is not set: "
        "start one with `make run` in another shell (in the same folder), or set DATABASE_URL"
    )
    assert not (tmp_path / "stack.json").exists() and find(tmp_path) is None


def test_a_second_run_on_the_same_data_folder_is_refused_before_it_starts_anything(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    result = cdps("run", data_dir=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "a `cdps run` is already running" in result.stderr and "http://127.0.0.1:8200" in result.stderr
    assert not (tmp_path / "postgres").exists()


def test_a_command_during_start_up_is_told_to_wait(tmp_path: Path) -> None:
    starting = hold(tmp_path, "starting")
    try:
        result = cdps("partners", "list", data_dir=tmp_path)
        assert result.returncode == 2 and "still starting" in result.stderr
    finally:
        starting.kill()
        starting.wait()
