"""Ratio tables for category shares: one Bernoulli CUSUM per (category, alternative rate)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from blastwall.detect._bank import FloatArray, IntArray, NullRun, to_units
from blastwall.detect.detectors._alternatives import (
    KL_GRID,
    bernoulli_alternative,
    bernoulli_plan,
)


def shares(counts: npt.NDArray[np.int64]) -> FloatArray:
    """Baseline share of each category, with half an observation added to each.

    The half count keeps a category never seen in the reference watchable: its share is
    small but not zero, so its first appearances raise its CUSUMs instead of dividing by zero.
    """
    return np.asarray((counts + 0.5) / (counts.sum() + 0.5 * counts.shape[0]), dtype=np.float64)


Plan = list[tuple[int, float, bool]]


def plan(baseline: FloatArray, monitored: list[int], grid: tuple[float, ...] = KL_GRID) -> Plan:
    """(category, KL, upward?) of every alternative watched, fixed by the real baseline."""
    return [(c, kl, up) for c in monitored for kl, up in bernoulli_plan(float(baseline[c]), grid)]


def table(baseline: FloatArray, alternatives: Plan) -> IntArray:
    """Rows: for each alternative (category c, share p1 of c at the given KL from its
    baseline p0), the ratio of each symbol: log(p1/p0) when the symbol is c,
    log((1-p1)/(1-p0)) otherwise.

    Other categories keep their relative sizes under each alternative (as when one class's
    share moves), so the ratio depends only on whether the symbol is c.
    """
    rows: list[FloatArray] = []
    width = baseline.shape[0]
    for c, kl, up in alternatives:
        p0 = float(baseline[c])
        p1 = bernoulli_alternative(p0, kl, up=up)
        row = np.full(width, math.log((1.0 - p1) / (1.0 - p0)))
        row[c] = math.log(p1 / p0)
        rows.append(row)
    return to_units(np.vstack(rows))


def null_run(counts: npt.NDArray[np.int64], alternatives: Plan) -> NullRun:
    """Simulate what a detector with this reference would face under no change.

    Each run draws the stream's true shares from their posterior given the reference
    counts (Dirichlet, half a count added to each), then a fresh reference of the same size
    and a no-change stream from those shares.  Drawing the truth, rather than taking the
    reference shares as the truth, matters for rare categories: with ten events in the
    reference the true rate is often 30% higher than seen, and the detector's false-alarm
    rate must hold then too.
    """
    size = int(counts.sum())
    prior = counts + 0.5

    def run(rng: np.random.Generator, length: int) -> tuple[IntArray, IntArray]:
        truth = rng.dirichlet(prior)
        fresh = rng.multinomial(size, truth).astype(np.int64)
        cumulative = np.cumsum(truth)
        cumulative[-1] = 1.0
        symbols = np.searchsorted(cumulative, rng.random(length), side="right")
        return table(shares(fresh), alternatives), symbols.astype(np.int64)

    return run


def describe(baseline: FloatArray, alternative: tuple[int, float, bool], what: str) -> str:
    """E.g. 'share of category 1 0.020 -> 0.064'."""
    c, kl, up = alternative
    p0 = float(baseline[c])
    return f"{what} {p0:.4g} -> {bernoulli_alternative(p0, kl, up=up):.4g}"
