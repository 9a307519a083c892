"""What a detector that must watch every category, both ways, could do at best.

The harness's oracle CUSUM is told the class that moves, its direction and its new share.
Blastwall is told none of these.  Between the two sits the *agnostic oracle*: a CUSUM bank
told the no-change law exactly and the size of the change (its KL divergence), but not which
category moves nor in which direction, so it watches every category up and down at that
size, calibrated by Blastwall's own simulation to the same false-alarm rate.  No detector
that is not told the category and direction can expect to beat it by much; a detector that
is not told the size either (Blastwall) pays a little more.

Also here: Blastwall and the harness's oracle on many more seeds than the harness's 20, where
a median moves by tens of observations from one set of 20 seeds to the next.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from blastwall.detect import calibration
from blastwall.detect._bank import CusumBank, IntArray
from blastwall.detect.detectors import Kind, _indicator, make_detector
from blastwall.detect.detectors._alternatives import kl_bernoulli

CHANGE_AT = 30_000
HORIZON = 20_000


@dataclass(frozen=True)
class Law:
    """A count scenario of the harness: the no-change shares, the change's KL, the oracle."""

    shares: list[float]
    kl: float
    oracle_ratios: tuple[float, float]  # oracle LLR of (the moving class, any other)
    oracle_h: float
    kind: Kind


def laws(harness: Path) -> dict[str, Law]:
    """The harness's S1 and S2 laws and its calibrated oracle thresholds."""
    import json  # noqa: PLC0415

    sc = _scenarios(harness)
    cusum = json.loads((harness / "calibration.json").read_text())["CUSUM-oracle"]
    p2, q2 = sc.S2_PRE_P, sc.S2_POST_P
    p1, q1 = sc.S1_PRE[sc.S1_FRAUD], sc.S1_POST[sc.S1_FRAUD]
    return {
        "S1-fraud-share": Law(
            list(sc.S1_PRE),
            kl_bernoulli(q1, p1),
            (math.log(q1 / p1), math.log((1 - q1) / (1 - p1))),
            float(cusum["fraud"]["value"]),
            Kind.categorical,
        ),
        "S2-refusal-creep": Law(
            [1 - p2, p2],
            kl_bernoulli(q2, p2),
            (math.log(q2 / p2), math.log((1 - q2) / (1 - p2))),
            float(cusum["refusal"]["value"]),
            Kind.binary,
        ),
    }


def _scenarios(harness: Path) -> Any:
    if str(harness) not in sys.path:
        sys.path.insert(0, str(harness))
    import scenarios  # type: ignore[import-not-found]  # noqa: PLC0415

    return scenarios


def agnostic_bank(law: Law, rate: float) -> CusumBank:
    """Every category (one of two for a rate) up and down at the change's KL, calibrated."""
    shares = np.asarray(law.shares, dtype=np.float64)
    watched = [1] if len(law.shares) == 2 else list(range(len(law.shares)))
    table = _indicator.table(shares, _indicator.plan(shares, watched, grid=(law.kl,)))
    cumulative = np.cumsum(shares)
    cumulative[-1] = 1.0

    def run(rng: np.random.Generator, length: int) -> tuple[IntArray, IntArray]:
        symbols = np.searchsorted(cumulative, rng.random(length), side="right")
        return table, symbols.astype(np.int64)

    found = calibration.simulate(run, rate, seed=20261206, runs=64)
    offsets, threshold = found.units()
    return CusumBank(table, offsets, threshold)


def first_delay(alarms: list[int]) -> int:
    """Observations after the change up to and including the first alarm (HORIZON: a miss)."""
    after = [a for a in alarms if a >= CHANGE_AT]
    return after[0] - CHANGE_AT + 1 if after and after[0] < CHANGE_AT + HORIZON else HORIZON


def oracle_delay(values: IntArray, law: Law, moving: int) -> int:
    """The harness's oracle CUSUM (told everything), restarted after each alarm."""
    up, other = law.oracle_ratios
    steps = np.where(values == moving, up, other)
    s = 0.0
    for i, r in enumerate(steps):
        s = max(0.0, s + float(r))
        if s >= law.oracle_h:
            if i >= CHANGE_AT:
                return i - CHANGE_AT + 1
            s = 0.0
    return HORIZON


def stream(harness: Path, scenario: str, seed: int) -> IntArray:
    """The harness's stream for (scenario, seed), drawn exactly as its generator does."""
    values, _ = _scenarios(harness).generate(scenario, seed)
    return np.asarray(values, dtype=np.int64)


def floor_medians(
    harness: Path, rate: float, seeds: range, reference: int
) -> dict[str, dict[str, float]]:
    """Per count scenario: the agnostic oracle's median delay on `seeds`, and its rows.

    It watches from `reference` on, like Blastwall, though it needs no reference.
    """
    out: dict[str, dict[str, float]] = {}
    for scenario, law in laws(harness).items():
        calibrated = agnostic_bank(law, rate)
        delays = []
        for seed in seeds:
            bank = CusumBank(calibrated.table, calibrated.offsets, calibrated.threshold)
            found = bank.run(stream(harness, scenario, seed)[reference:])
            delays.append(first_delay([reference + a for a in found]))
        out[scenario] = {
            "median": float(np.median(delays)),
            "rows": float(calibrated.table.shape[0]),
        }
    return out


def many_seeds(
    harness: Path, rate: float, seeds: range, reference: int
) -> dict[str, dict[str, float]]:
    """Blastwall's replay path and the harness's oracle on many seeds: medians and means."""
    out: dict[str, dict[str, float]] = {}
    for scenario, law in laws(harness).items():
        ours, oracle = [], []
        for seed in seeds:
            values = stream(harness, scenario, seed)
            categories = int(values[:reference].max()) + 1
            detector = make_detector(
                law.kind, reference=reference, false_alarm_rate=rate, categories=categories
            )
            ours.append(first_delay(detector.update_many(values)))
            oracle.append(oracle_delay(values, law, moving=1))
        out[scenario] = {
            "median": float(np.median(ours)),
            "mean": float(np.mean(ours)),
            "oracle_median": float(np.median(oracle)),
            "oracle_mean": float(np.mean(oracle)),
        }
    return out
