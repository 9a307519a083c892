"""The Wilson score interval for a proportion: honest at small n and near 0 or 1.

The normal ("Wald") interval p +- z*sqrt(p(1-p)/n) collapses to a point when every verdict
agrees (p = 1 gives [1, 1] after 20 correct verdicts) and strays outside [0, 1]; Wilson's
inverts the score test instead, so it stays inside [0, 1] and keeps close to its nominal
coverage with a few dozen verdicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the 97.5% normal quantile: a two-sided 95% interval


@dataclass(frozen=True)
class Interval:
    """A proportion with its interval; with no observations the interval is all of [0, 1]."""

    successes: int
    n: int
    estimate: float | None
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """The Wilson score interval of ``successes`` out of ``n`` at ``z`` standard errors.

    >>> i = wilson(90, 100)
    >>> (round(i.low, 4), round(i.high, 4))
    (0.8256, 0.9448)
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return Interval(0, 0, None, 0.0, 1.0)
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At p = 0 or 1 the bound is exactly 0 or 1; float rounding would leave 1 - 1e-16.
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == n else min(1.0, center + half)
    return Interval(successes, n, p, low, high)
