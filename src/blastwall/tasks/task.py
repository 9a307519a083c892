"""What the runner runs: a named, bounded round of work repeated every ``interval_s``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, Protocol

from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.base import utcnow


class Task(Protocol):
    """One kind of background work.

    ``name`` is unique among the server's tasks and stable across releases: the leadership
    lock is derived from it, so renaming a task lets two replicas run it during a rolling
    upgrade. ``tick()`` does one round and returns within seconds (the runner cannot stop
    a tick half-way, only wait for it); it opens its own unit of work from the session
    factory the task was built with, and may raise: the runner logs and retries.
    """

    @property
    def name(self) -> str: ...

    @property
    def interval_s(self) -> float: ...

    def tick(self) -> None: ...


class ClockedTask:
    """The shape most tasks share: a session factory, an interval and a clock.

    A subclass names itself (``name``), gives its default pace (``default_interval_s``)
    and writes ``tick()``; ``clock`` is what a tick reads as now (fixed in tests).
    """

    name: ClassVar[str]
    default_interval_s: ClassVar[float]

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        interval_s: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.factory = factory
        self.interval_s = self.default_interval_s if interval_s is None else interval_s
        self.clock = clock
