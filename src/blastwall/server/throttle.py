"""Slow down token guessing: too many failed authentications from one address wait a while.

A fixed window per client address: after ``limit`` failures within ``window_s`` seconds of
the first one, every request from that address is answered 429 (even with a valid token,
so guessing cannot go on) until the window ends; then the count starts again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

_log = logging.getLogger(__name__)

MAX_TRACKED = 10_000
"""Addresses remembered at once; expired windows are dropped first when this is reached."""


@dataclass
class _Window:
    started: float
    failures: int = 0


class AuthThrottle:
    """Counts authentication failures per client address (state of one server process)."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, _Window] = {}

    def retry_after(self, address: str) -> int | None:
        """Whole seconds ``address`` must wait, or None when it may try to authenticate."""
        window = self._windows.get(address)
        if window is None or window.failures < self.limit:
            return None
        remaining = window.started + self.window_s - self.clock()
        if remaining <= 0:
            del self._windows[address]
            return None
        return max(1, math.ceil(remaining))

    def failed(self, address: str) -> None:
        """Record one failed authentication from ``address``."""
        now = self.clock()
        window = self._windows.get(address)
        if window is None or now >= window.started + self.window_s:
            if len(self._windows) >= MAX_TRACKED:
                self._forget_expired(now)
            window = self._windows[address] = _Window(started=now)
        window.failures += 1
        if window.failures == self.limit:
            _log.warning(
                "%d failed authentications from %s within %ss: refusing it until the window ends",
                self.limit,
                address,
                self.window_s,
            )

    def _forget_expired(self, now: float) -> None:
        self._windows = {a: w for a, w in self._windows.items() if now < w.started + self.window_s}
        if len(self._windows) >= MAX_TRACKED:
            # Still full of live windows (a spread-out attack): drop the oldest half.
            oldest = sorted(self._windows.items(), key=lambda item: item[1].started)
            self._windows = dict(oldest[len(oldest) // 2 :])
