"""A bad release must alarm: detection delay counted from the activation (issue 10 §0).

    .venv/bin/python bench/release_delay.py [--harness DIR] [--seeds 20]

Replays each change scenario of the shared harness (``../shared/bench/detect``) as two
releases: release ``a`` is in force for the 30,000 observations before the change (its
first 10,000 form the baseline, at 1e-4 false alarms per observation, as
``bench/detect_delay.py``), and release ``b``, whose law is the changed one from its first
call, is activated at the change.  Each batch of 5,000 observations goes through the
engine's own path for a release-mode monitor (``detect.monitors.baselines.feed`` over a
``MonitorRuntime``, the stored baselines kept in memory instead of ``monitor_baselines``).

Two runs on the same streams:

* **after** (known-good kept): ``a`` is marked known-good, so ``b`` is tested against
  ``a``'s baseline from its first call;
* **before** (what every release got until now, and what a system without a known-good
  release still gets): the monitor re-learns its baseline from ``b``'s first 10,000 calls,
  so the broken law becomes the baseline.

Delay = observations from the activation up to and including the first alarm (a miss
counts as 20,000, the harness's horizon).  The oracle is the harness's CUSUM told both
laws, with the harness's calibrated threshold, started at zero at the activation (its
worst case), computed in the same run two ways: its worst-case mean delay exactly as the
harness computes it (``run_bench.oracle_worst_case``: 400 fresh post-change draws), the
figure the project's target is stated against (issue 4, ``bench/detect_delay.py``: median
<= 1.5x), and its median on the very same streams, printed next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from detect_delay import find_harness  # bench/detect_delay.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "detect"
os.environ.setdefault("BLASTWALL_CACHE_DIR", str(WORK / "cache"))  # shared with detect_delay

from blastwall.detect.monitors import baselines  # noqa: E402
from blastwall.detect.monitors.enums import Signal  # noqa: E402
from blastwall.detect.monitors.runtime import Config, MonitorRuntime  # noqa: E402
from blastwall.detect.observations import Observations  # noqa: E402
from blastwall.detect.signals import Spec  # noqa: E402
from blastwall.registry.known_good import ReleaseFacts  # noqa: E402

REFERENCE = 10_000
RATE = 1e-4
BATCH = 5_000
FACTOR = 1.5
SIGNALS = {
    "S1-fraud-share": (Signal.output_category, {"categories": [str(i) for i in range(5)]}),
    "S2-refusal-creep": (Signal.refusal_rate, {}),
    "S3-length-shift": (Signal.response_length, {}),
    "S4-latency-variance": (Signal.latency, {}),
}


def replay(
    values: np.ndarray[Any, Any], change: int, scenario: str, *, known_good: bool
) -> list[int]:
    """Alarm indices of a release-mode monitor fed ``values``, release b activated at ``change``."""
    signal, params = SIGNALS[scenario]
    config = Config(
        id=1,
        system="bench",
        name="watch",
        spec=Spec(signal, params, None),
        reference={"kind": "release", "observations": REFERENCE},
        false_alarm_rate=RATE,
        verify_observations=1_000,
        config_version=1,
        enabled=True,
    )
    at = datetime.fromtimestamp(0, UTC)
    releases = {
        1: ReleaseFacts(1, "a", known_good, at if known_good else None, (), {"prompt": 1}),
        2: ReleaseFacts(2, "b", False, None, (), {"prompt": 2}),
    }
    old = baselines.Active(1, at, "a", 1)
    new = baselines.Active(2, datetime.fromtimestamp(change, UTC), "b", 2)
    stored: dict[int, dict[str, Any]] = {}
    runtime = MonitorRuntime(config)
    found: list[int] = []
    n = values.shape[0]
    observed = values.astype(str) if signal is Signal.output_category else values
    for start in range(0, n, BATCH):
        end = min(start + BATCH, n)
        index = np.arange(start, end)
        batch = Observations(observed[start:end], index, index, index.astype(np.float64))
        latest = new if end > change else old
        for fed in baselines.feed(runtime, batch, latest, releases, stored=stored.get):
            found += [int(fed.observations.trace_ids[a]) for a in fed.alarms]
        if runtime.fitted and not runtime.baseline_stored and runtime.baseline_release_id:
            stored[runtime.baseline_release_id] = runtime.reference_record()
            runtime.baseline_stored = True
    return found


def first_delay(alarms: list[int], change: int, horizon: int) -> int:
    after = [a for a in alarms if a >= change]
    return after[0] - change + 1 if after and after[0] < change + horizon else horizon


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--harness", help="the shared detection harness folder")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    args.harness = find_harness(args.harness)
    sys.path.insert(0, str(args.harness))
    import detectors  # type: ignore[import-not-found]  # noqa: PLC0415
    import run_bench  # type: ignore[import-not-found]  # noqa: PLC0415
    import scenarios  # type: ignore[import-not-found]  # noqa: PLC0415

    calibration = json.loads((args.harness / "calibration.json").read_text())["CUSUM-oracle"]
    change, horizon = scenarios.PRE_LEN, scenarios.POST_LEN
    started = time.monotonic()
    worst = run_bench.oracle_worst_case({"CUSUM-oracle": calibration})
    print(
        f"release a (known-good) for {change:,} calls, release b (the changed law) from its "
        f"first call; reference {REFERENCE:,}, {RATE:g} false alarms/obs, seeds 0-{args.seeds - 1}"
    )
    header = (
        f"{'scenario':22} {'FA/10k pre':>10} {'after med':>9} {'p90':>6} {'oracle wc':>9} "
        f"{'x wc':>5} {'target':>7}   {'oracle med':>10} {'x med':>5}   {'before med':>10} "
        f"{'misses':>7}"
    )
    print(header)
    for scenario in scenarios.CHANGE_SCENARIOS:
        family = scenarios.SCENARIOS[scenario]["family"]
        h = float(calibration[family]["value"])
        after, before, oracle, false_alarms = [], [], [], 0
        for seed in range(args.seeds):
            values, _ = scenarios.generate(scenario, seed)
            values = np.asarray(values)
            kept = replay(values, change, scenario, known_good=True)
            false_alarms += sum(1 for a in kept if a < change)
            after.append(first_delay(kept, change, horizon))
            relearned = replay(values, change, scenario, known_good=False)
            before.append(first_delay(relearned, change, horizon))
            cusum = detectors.CusumOracle(family, h)
            fed = detectors.feed_values(values[change:], family, "CUSUM-oracle")
            oracle.append(next((i + 1 for i, x in enumerate(fed) if cusum.update(x)), horizon))
        med, ora, wc = float(np.median(after)), float(np.median(oracle)), worst[scenario]["mean"]
        fa = false_alarms / (args.seeds * (change - REFERENCE)) * 10_000
        print(
            f"{scenario:22} {fa:10.2f} {med:9.0f} {np.percentile(after, 90):6.0f} {wc:9.0f} "
            f"{med / wc:5.2f} {'holds' if med <= FACTOR * wc else 'MISSED':>7}   "
            f"{ora:10.0f} {med / ora:5.2f}   "
            f"{np.median(before):10.0f} {sum(d >= horizon for d in before):4d}/{args.seeds}"
        )
    print(
        f"(target: after median <= {FACTOR} x the oracle's worst-case mean delay.  "
        f"before: the monitor re-learned from release b's first calls; a miss counts "
        f"{horizon:,}.  {time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
