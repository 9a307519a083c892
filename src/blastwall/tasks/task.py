"""What the runner runs: a named, bounded round of work repeated every ``interval_s``."""

from __future__ import annotations

from typing import Protocol


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
