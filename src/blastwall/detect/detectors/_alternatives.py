"""The grid of changes a bank watches for, spaced by how hard each is to see.

Detectors must not know the size of a change, so each watches a geometric grid of
alternatives.  The grid is spaced in Kullback-Leibler divergence (nats per observation), the
quantity that sets detection delay (about threshold / KL observations), so one grid covers
changes seen within ~40 to ~1,500 observations whatever the baseline is.  Neighbouring
alternatives differ by a factor 2.5 in KL, which keeps a CUSUM tuned to the nearest
alternative within ~93% of the best possible drift for any change in between.  Changes
outside the range are still caught by the nearest end, a little later than the best possible;
every extra alternative raises the threshold of all the others (the false-alarm budget is
shared), and two more levels at each end cost ~0.25 nats everywhere for little gain.
"""

from __future__ import annotations

import math

KL_GRID: tuple[float, ...] = tuple(0.0037 * 2.5**k for k in range(5))  # 0.0037 .. 0.145


def kl_bernoulli(p1: float, p0: float) -> float:
    """KL(Bernoulli(p1) || Bernoulli(p0)) in nats."""
    out = 0.0
    if p1 > 0.0:
        out += p1 * math.log(p1 / p0)
    if p1 < 1.0:
        out += (1.0 - p1) * math.log((1.0 - p1) / (1.0 - p0))
    return out


def bernoulli_plan(p0: float, grid: tuple[float, ...] = KL_GRID) -> list[tuple[float, bool]]:
    """(KL, upward?) of each alternative on `grid` reachable from the baseline rate p0."""
    plan: list[tuple[float, bool]] = []
    for kl in grid:
        if kl_bernoulli(1.0 - 1e-12, p0) > kl:
            plan.append((kl, True))
        if kl_bernoulli(1e-12, p0) > kl:
            plan.append((kl, False))
    return plan


def bernoulli_alternative(p0: float, kl: float, *, up: bool) -> float:
    """The rate p1 above (or below) p0 with KL(p1 || p0) = kl, kept inside (0, 1)."""
    return min(max(_bisect(p0, kl, up=up), 1e-12), 1.0 - 1e-12)


def _bisect(p0: float, kl: float, *, up: bool) -> float:
    """p1 on the chosen side of p0 with KL(p1 || p0) = kl (KL grows away from p0)."""
    near, far = (p0, 1.0) if up else (p0, 0.0)
    for _ in range(200):
        mid = 0.5 * (near + far)
        if kl_bernoulli(mid, p0) < kl:
            near = mid
        else:
            far = mid
    return 0.5 * (near + far)


def gaussian_alternatives() -> list[tuple[float, float]]:
    """(mean, sd) alternatives to N(0, 1): level both ways, spread up and down, and both.

    A level shift d has KL d**2 / 2; a spread s has KL (s**2 - 1 - 2 log s) / 2.
    """
    out: list[tuple[float, float]] = []
    for kl in KL_GRID:
        shift = math.sqrt(2.0 * kl)
        out.extend([(shift, 1.0), (-shift, 1.0)])
        out.extend([(0.0, _spread(kl, up=True)), (0.0, _spread(kl, up=False))])
    for kl in KL_GRID[1:]:
        # Level and spread together (a latency tail that grows also moves the median):
        # half the KL from each.
        shift = math.sqrt(kl)
        sd = _spread(kl / 2.0, up=True)
        out.extend([(shift, sd), (-shift, sd)])
    return out


def _spread(kl: float, *, up: bool) -> float:
    near, far = (1.0, 20.0) if up else (1.0, 1e-6)
    for _ in range(200):
        mid = 0.5 * (near + far)
        if 0.5 * (mid * mid - 1.0 - 2.0 * math.log(mid)) < kl:
            near = mid
        else:
            far = mid
    return 0.5 * (near + far)
