"""Retry delays: exponential backoff with full jitter, never sooner than Retry-After.

Full jitter (a uniform draw between 0 and the exponential bound) spreads the retries of
many notifications that failed together, so a receiver that comes back is not hit by all
of them at once (AWS Architecture Blog, "Exponential Backoff And Jitter").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``delay(attempts)``: seconds to wait after the ``attempts``-th failed try.

    >>> Backoff(base_s=1, cap_s=8, rng=random.Random(7)).bound(10)
    8.0
    """

    base_s: float = 1.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def bound(self, attempts: int) -> float:
        """The largest delay after ``attempts`` tries: base, 2 base, 4 base ... up to cap."""
        exponent = min(max(attempts - 1, 0), 62)  # 2**62 * base is past any cap
        return float(min(self.cap_s, self.base_s * 2**exponent))

    def delay(self, attempts: int, retry_after_s: float | None = None) -> float:
        """A jittered delay; at least ``retry_after_s`` when the receiver asked for one."""
        jittered = self.rng.uniform(0, self.bound(attempts))
        return max(jittered, retry_after_s or 0.0)
