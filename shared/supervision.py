"""Background tasks that outlive the faults of their dependencies, and say how they are doing.

Every background task of a service (outbox relay, event consumers, email sender, schedulers,
sign-in responder) reports to a :class:`Health`: ``progress()`` after each unit of work,
``failed(exc)`` when PostgreSQL, NATS or the mail server let it down. ``failed`` answers how long
to wait before trying again (exponential backoff with jitter, reset by progress) and logs once per
state change — the first failure, a different failure, the recovery — never once per retry.
``/readyz`` and ``/metrics`` read the same records.

:func:`supervise` runs one task: an error of a dependency that escapes the task restarts it after
the backoff; anything else (a bug), or the task returning while the service is not stopping, is
the end of the service: it is reported to ``on_end``, which stops the process so that its
supervisor (Kubernetes, compose, systemd) starts a fresh one. A live process doing nothing is
never the outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import nats.errors
from prometheus_client import Counter, Gauge

from shared.db import DATABASE_UNAVAILABLE
from shared.logs import get_logger
from shared.settings import ConfigError

log = get_logger(__name__)

DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (
    *DATABASE_UNAVAILABLE,
    asyncpg.PostgresError,  # e.g. a lock timeout or a serialization failure: worth another try
    nats.errors.Error,  # nats.js errors derive from it
)
"""Errors a background task meets when a server it depends on is down, restarting or overloaded."""

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 2.0
"""Short, so that work resumes within two seconds of a server's return (after a NATS leader
election, say); each retry costs one connection attempt, so waiting longer would save nothing."""

UP = Gauge("cdps_task_up", "1 while a background task works, 0 while its dependencies fail it", ["task"])
SINCE_PROGRESS = Gauge(
    "cdps_seconds_since_progress", "Seconds since a background task last finished a unit of work", ["task"]
)
FAILURES = Counter("cdps_task_failures_total", "Failures of a background task's dependencies", ["task"])


class Health:
    """What one background task last managed to do; read by /readyz and exported as metrics."""

    def __init__(self, task: str, *, clock: Callable[[], float] = time.monotonic):
        self.task = task
        self._clock = clock
        self.last_progress = clock()
        self.failing_since: float | None = None
        self.last_error: str | None = None
        self.waiting: int | None = None
        """Work known to be waiting for this task (a consumer's unacknowledged messages), if it knows."""
        self._failures_in_a_row = 0
        UP.labels(task).set(1)
        SINCE_PROGRESS.labels(task).set_function(lambda: self.seconds_since_progress)

    @property
    def seconds_since_progress(self) -> float:
        return self._clock() - self.last_progress

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def progress(self) -> None:
        self.last_progress = self._clock()
        self._failures_in_a_row = 0
        if self.failing_since is not None:
            log.info("background task recovered", task=self.task, after_seconds=round(self.last_progress
                     - self.failing_since, 1), last_error=self.last_error)  # fmt: skip
            self.failing_since = None
            self.last_error = None
            UP.labels(self.task).set(1)

    def failed(self, exc: BaseException) -> float:
        """Record a failure; returns the seconds to wait before the next attempt."""
        error = f"{exc.__class__.__name__}: {exc}"
        FAILURES.labels(self.task).inc()
        if self.failing_since is None:
            self.failing_since = self._clock()
            log.warning("background task failing; retrying until it works", task=self.task, error=error)
            UP.labels(self.task).set(0)
        elif self.last_error is not None and not self.last_error.startswith(f"{exc.__class__.__name__}:"):
            log.warning("background task still failing, differently", task=self.task, error=error)
        self.last_error = error
        self._failures_in_a_row += 1
        delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2.0 ** (self._failures_in_a_row - 1))
        return delay * (0.5 + random.random() / 2)  # jitter: replicas do not retry in step


class Outage:
    """Logs a dependency's going away and coming back once each, however often it is tried meanwhile."""

    def __init__(self, what: str):
        self.what = what
        self.since: float | None = None
        self.refused = 0

    def down(self, exc: BaseException, **context: object) -> None:
        self.refused += 1
        if self.since is None:
            self.since = time.monotonic()
            log.warning(f"{self.what} unavailable", error=f"{exc.__class__.__name__}: {exc}", **context)

    def up(self) -> None:
        if self.since is not None:
            log.info(f"{self.what} available again", after_seconds=round(time.monotonic() - self.since, 1),
                     attempts_refused=self.refused)  # fmt: skip
            self.since = None
            self.refused = 0


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when the service stops."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


Task = Callable[[], Coroutine[Any, Any, None]]


async def repeat(work: Task, health: Health, stop: asyncio.Event, every: float) -> None:
    """Do ``work`` every ``every`` seconds until the service stops (a housekeeping pass, say); when a
    dependency fails it, try again after the backoff instead of waiting a whole period."""
    while not stop.is_set():
        try:
            await work()
        except DEPENDENCY_ERRORS as exc:
            await pause(stop, health.failed(exc))
            continue
        health.progress()
        await pause(stop, every)


async def supervise(
    task: Task, health: Health, stop: asyncio.Event, on_end: Callable[[str], None], *, once: bool = False
) -> None:
    """Run ``task`` until the service stops, restarting it after a dependency's failure; with
    ``once``, until it has returned once (a start-up job)."""
    while not stop.is_set():
        try:
            await task()
        except DEPENDENCY_ERRORS as exc:
            await pause(stop, health.failed(exc))
            continue
        except ConfigError as exc:  # e.g. the cluster cannot keep the replicas asked for: say so, once
            on_end(str(exc))
            return
        except Exception as exc:
            log.exception("background task crashed", task=health.task)
            on_end(f"background task {health.task} crashed: {exc.__class__.__name__}: {exc}")
            return
        if once:
            health.progress()  # its work is done: an earlier failure no longer holds readiness back
        elif not stop.is_set():
            on_end(f"background task {health.task} ended by itself")
        return
