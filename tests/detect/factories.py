"""Seeded streams with known change points, and the list of every detector under test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blastwall.detect.detectors import CategoryShift, LevelSpreadShift, RateShift
from blastwall.detect.detectors._base import ReferenceDetector

REFERENCE = 500
RATE = 1e-4
CHANGE = 1500


def category_stream(seed: int = 1, n: int = 3000) -> npt.NDArray[np.int64]:
    """Five classes; class 1's share goes from 2% to 12% at CHANGE."""
    rng = np.random.default_rng(seed)
    before = rng.choice(5, size=CHANGE, p=[0.80, 0.02, 0.10, 0.05, 0.03])
    after = rng.choice(5, size=n - CHANGE, p=[0.71, 0.12, 0.09, 0.05, 0.03])
    return np.concatenate([before, after])


def rate_stream(seed: int = 1, n: int = 3000) -> npt.NDArray[np.int64]:
    """A 0/1 event whose rate goes from 5% to 15% at CHANGE."""
    rng = np.random.default_rng(seed)
    p = np.where(np.arange(n) < CHANGE, 0.05, 0.15)
    return (rng.random(n) < p).astype(np.int64)


def level_stream(seed: int = 1, n: int = 3000) -> npt.NDArray[np.float64]:
    """Lognormal lengths whose median drops by 25% at CHANGE."""
    rng = np.random.default_rng(seed)
    mu = np.where(np.arange(n) < CHANGE, np.log(400.0), np.log(300.0))
    return rng.lognormal(mu, 0.6)


Factory = Callable[[], ReferenceDetector]


@dataclass(frozen=True)
class Case:
    """One detector under contract: how to build it, a stream it watches, a value it refuses."""

    name: str
    make: Factory
    stream: Callable[..., npt.NDArray[np.generic]]
    bad: object
    evidence: str  # leading_alternative at the first alarm on stream(seed=5)
    change_estimate: int  # change_index at that alarm (the change is at CHANGE = 1500)


DETECTORS = [
    Case(
        "CategoryShift",
        lambda: CategoryShift(5, REFERENCE, RATE),
        category_stream,
        7,
        "share of category 1 0.01891 -> 0.08103",
        1496,
    ),
    Case(
        "RateShift",
        lambda: RateShift(REFERENCE, RATE),
        rate_stream,
        2,
        "rate 0.05888 -> 0.1539",
        1510,
    ),
    Case(
        "LevelSpreadShift",
        lambda: LevelSpreadShift(REFERENCE, RATE),
        level_stream,
        float("nan"),
        "level down 0.54 sd (normal scores against the reference)",
        1517,
    ),
]


def feed_one_by_one(detector: ReferenceDetector, values: npt.NDArray[np.generic]) -> list[int]:
    """Alarm positions from the per-value path."""
    alarms = []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            alarms.append(i)
    return alarms
