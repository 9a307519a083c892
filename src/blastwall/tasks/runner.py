"""Runs each background task in its own daemon thread: lead, tick, wait, until stopped.

A round of a task's thread: ask the leadership whether this process leads the task (if not,
stand by and ask again after ``retry_s``); tick; wait ``interval_s`` (longer after a failed
tick). The waits are ``Event`` waits, so ``stop`` interrupts them at once. A tick that
raises is logged with the task's name and retried: it never ends the thread.

``stop(timeout)`` returns within ``timeout`` even while a tick runs: that tick finishes its
round in the background (its transaction commits or rolls back whole, and the daemon
thread dies with the process), and no new tick starts. The task's lock is released by its
thread once its last tick ends, or by PostgreSQL when the process exits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from blastwall.db.base import utcnow
from blastwall.tasks.leadership import Leadership
from blastwall.tasks.task import Task

log = logging.getLogger(__name__)

Wait = Callable[[threading.Event, float], bool]
"""Waits up to some seconds for the stop event; True if it was set (tests pass their own)."""


def _event_wait(stop: threading.Event, seconds: float) -> bool:
    return stop.wait(seconds)


class Role(StrEnum):
    """What this process does with a task right now."""

    starting = "starting"
    leader = "leader"
    standby = "standby"
    stopped = "stopped"


@dataclass
class TaskStatus:
    """What a task did in this process; read by the status endpoint while threads write it."""

    name: str
    interval_s: float
    role: Role = Role.starting
    ticks: int = 0
    failures: int = 0
    last_tick_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


class Runner:
    """Starts, paces and stops background tasks; see the module docstring.

    ``retry_s``: seconds between attempts to win leadership while standing by.
    ``failure_backoff_s``: the shortest wait after a failed tick, so a task that fails at
    once (the database is down) does not spin and flood the log.
    """

    def __init__(
        self,
        tasks: Sequence[Task],
        leadership: Leadership,
        *,
        retry_s: float = 5.0,
        failure_backoff_s: float = 5.0,
        wait: Wait = _event_wait,
    ) -> None:
        names = [task.name for task in tasks]
        doubled = sorted({name for name in names if names.count(name) > 1})
        if doubled:
            raise ValueError(f"background task names must be unique; given twice: {doubled}")
        self.tasks = list(tasks)
        self.leadership = leadership
        self.retry_s = retry_s
        self.failure_backoff_s = failure_backoff_s
        self._wait = wait
        self._stop = threading.Event()
        self._status = {task.name: TaskStatus(task.name, task.interval_s) for task in tasks}
        self._threads = [
            threading.Thread(
                target=self._loop, args=(task,), name=f"blastwall-task-{task.name}", daemon=True
            )
            for task in tasks
        ]
        self._started = False

    def start(self) -> None:
        """Start every task's thread (once)."""
        if self._started:
            raise RuntimeError("this runner was already started; build a new one")
        self._started = True
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        """Ask every thread to stop after its current tick; returns at once.

        Only sets an event, so a signal handler may call it (server/shutdown.py).
        """
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> list[str]:
        """Stop every task, waiting up to ``timeout`` seconds in all; the tasks still ticking.

        A task still ticking when the time is up finishes that round in the background and
        starts no other.
        """
        self.request_stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        busy = [
            task.name
            for task, thread in zip(self.tasks, self._threads, strict=True)
            if thread.is_alive()
        ]
        if busy:
            log.warning("background tasks still finishing their round at shutdown: %s", busy)
        return busy

    def status(self) -> list[TaskStatus]:
        """A copy of each task's status, in the order the tasks were given."""
        return [TaskStatus(**vars(self._status[task.name])) for task in self.tasks]

    def _loop(self, task: Task) -> None:
        status = self._status[task.name]
        try:
            while not self._stop.is_set():
                if not self._lead(task, status):
                    self._wait(self._stop, self.retry_s)
                    continue
                delay = task.interval_s
                try:
                    task.tick()
                except Exception as exc:
                    delay = max(delay, self.failure_backoff_s)
                    log.exception(
                        "background task %s: tick failed; retrying in %s s", task.name, delay
                    )
                    status.failures += 1
                    status.last_error = f"{type(exc).__name__}: {exc}"
                    status.last_error_at = utcnow()
                else:
                    status.ticks += 1
                    status.last_tick_at = utcnow()
                self._wait(self._stop, delay)
        finally:
            status.role = Role.stopped
            try:
                self.leadership.release(task.name)
            except Exception:
                log.exception("background task %s: releasing leadership failed", task.name)

    def _lead(self, task: Task, status: TaskStatus) -> bool:
        """Whether this process leads ``task`` now; logs each change of role."""
        try:
            leading = self.leadership.hold(task.name)
        except Exception:
            log.exception("background task %s: the leadership check failed", task.name)
            leading = False
        role = Role.leader if leading else Role.standby
        if role is not status.role:
            log.info("background task %s: %s (%s)", task.name, role.value, self.leadership.kind)
            status.role = role
        return leading
