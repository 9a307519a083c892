"""Stand-ins for the runner's collaborators: a clock the test steps, tasks, a leadership."""

from __future__ import annotations

import threading
from collections.abc import Iterator

STEP_TIMEOUT_S = 30  # only so a regression fails instead of hanging; never a timing check


class Clock:
    """Replaces the runner's waits: each wait is recorded and blocks until the test lets it
    pass (or the runner is stopped), so cadence is counted, never timed."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._passes = threading.Semaphore(0)
        self._waiting = threading.Semaphore(0)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        self.waits.append(seconds)
        self._waiting.release()
        while not stop.is_set():
            if self._passes.acquire(timeout=0.01):
                return False
        return True

    def until_waiting(self) -> None:
        """Return once the runner's thread has begun its next wait."""
        assert self._waiting.acquire(timeout=STEP_TIMEOUT_S), "the runner never waited"

    def step(self) -> None:
        """End the current wait, then return once the thread waits again."""
        self._passes.release()
        self.until_waiting()


class Counting:
    """A task that counts its ticks and raises on the ticks listed in ``fail_on`` (1-based)."""

    def __init__(
        self, name: str = "counting", interval_s: float = 2.0, fail_on: tuple[int, ...] = ()
    ) -> None:
        self.name = name
        self.interval_s = interval_s
        self.fail_on = fail_on
        self.calls = 0

    def tick(self) -> None:
        self.calls += 1
        if self.calls in self.fail_on:
            raise RuntimeError(f"boom on tick {self.calls}")


class Blocking:
    """A task whose tick waits until the test releases it."""

    name = "slow"
    interval_s = 1.0

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def tick(self) -> None:
        self.calls += 1
        self.started.set()
        assert self.release.wait(STEP_TIMEOUT_S)


class Scripted:
    """A leadership that answers ``hold`` from a script (then keeps its last answer)."""

    kind = "scripted"

    def __init__(self, answers: list[bool]) -> None:
        self._answers: Iterator[bool] = iter(answers)
        self._last = answers[-1]
        self.released: list[str] = []

    def hold(self, name: str) -> bool:
        self._last = next(self._answers, self._last)
        return self._last

    def release(self, name: str) -> None:
        self.released.append(name)
