"""Where the running `cdps run` is, so that `cdps users add` and the others find it by themselves.

The embedded servers listen on free ports that change every run. `cdps run` holds an exclusive
lock on `<data folder>/run.lock` for as long as it runs (the kernel drops the lock when the process
ends, even by SIGKILL) and, once everything answers, writes `<data folder>/stack.json` with the
servers' addresses; it removes the file when it stops. The file is believed only while the lock
is held, so one left behind by a killed run is recognised as stale and removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from typing import IO

import msgspec

from shared.settings import ConfigError, Settings

STATE = "stack.json"
LOCK = "run.lock"


class RunningStack(msgspec.Struct, frozen=True, kw_only=True):
    pid: int
    database_url: str
    nats_url: str
    smtp_url: str | None
    web_url: str
    mail_url: str | None
    """The dev mail sink's inbox page (None when SMTP_URL pointed at a real server)."""


class RunLock:
    """Held by `cdps run`: one run per data folder, and the state file other commands read."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        file = (self.data_dir / LOCK).open("a+")
        # A command checking for a run holds a shared lock for an instant: wait that out.
        deadline = time.monotonic() + 2
        while True:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    file.close()
                    raise ConfigError(self._already_running()) from None
                time.sleep(0.05)
        self._file = file
        (self.data_dir / STATE).unlink(missing_ok=True)  # left by a run that was killed

    def _already_running(self) -> str:
        running = read_state(self.data_dir)
        where = f" (web at {running.web_url}, pid {running.pid})" if running else ""
        return (
            f"a `cdps run` is already running with the data folder {self.data_dir}{where}: stop it with "
            "Ctrl-C in its shell, or give this one another CDPS_DATA_DIR"
        )

    def publish(self, stack: RunningStack) -> None:
        path = self.data_dir / STATE
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(msgspec.json.encode(stack))
        temporary.chmod(0o600)
        os.replace(temporary, path)  # readers see the whole file or none

    def release(self) -> None:
        (self.data_dir / STATE).unlink(missing_ok=True)
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def read_state(data_dir: Path) -> RunningStack | None:
    try:
        return msgspec.json.decode((data_dir / STATE).read_bytes(), type=RunningStack)
    except (OSError, msgspec.DecodeError):
        return None


def is_running(data_dir: Path) -> bool:
    """Whether a `cdps run` holds the data folder's lock now."""
    try:
        file = (data_dir / LOCK).open()
    except FileNotFoundError:
        return False
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def find(data_dir: Path) -> RunningStack | None:
    """The `cdps run` running with this data folder, or None; ConfigError while it is still starting."""
    if not is_running(data_dir):
        with contextlib.suppress(OSError):
            (data_dir / STATE).unlink(missing_ok=True)  # left by a run that was killed
        return None
    running = read_state(data_dir)
    if running is None:
        raise ConfigError(f"`cdps run` is still starting with the data folder {data_dir}: try again once it is ready")
    return running


def with_running_stack(settings: Settings) -> Settings:
    """The settings, with the servers of the `cdps run` of this data folder unless DATABASE_URL is set."""
    if settings.database_url is not None:
        return settings
    running = find(settings.data_dir)
    if running is None:
        raise ConfigError(
            f"no `cdps run` is running with the data folder {settings.data_dir}, and DATABASE_URL is not set: "
            "start one with `make run` in another shell (in the same folder), or set DATABASE_URL"
        )
    return msgspec.structs.replace(
        settings, database_url=running.database_url,
        nats_url=settings.nats_url or running.nats_url, smtp_url=settings.smtp_url or running.smtp_url,
    )  # fmt: skip
