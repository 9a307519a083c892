"""Detection delay and false alarms of `blastwall detect replay`, scored by the shared harness.

    .venv/bin/python bench/detect_delay.py [--harness DIR] [--seeds 0-19] [--jobs 2]
        [--bench-python PATH]   # an interpreter with river installed, for the ADWIN ratio

Runs ``../shared/bench/detect/run_bench.py --ext-only`` on
``blastwall detect replay --false-alarm-rate 1e-4`` (the harness's adapter contract: the
command sees only the values and BENCH_KIND), then prints per scenario: false alarms per
10,000 observations on the no-change twin and before the change, median and 90th-percentile
delay, and the ratios to the oracle CUSUM's worst-case mean delay (computed by the harness in
the same run) and to the best peer (parsed from the harness's RESULTS.md: the smallest median
among peers whose false-alarm rate was matched, i.e. not marked with a dagger).  Then the
in-process throughput of each detector through `update_many`, the path the engine uses,
next to river's ADWIN in-process when river is importable.

Two reference points for the count scenarios (S1, S2), computed in-process on the same
seeds (`bench/_detect_floor.py`): the *agnostic oracle*, a CUSUM bank told the no-change law
and the size of the change but not which category moves nor which way, calibrated like
Blastwall; and with ``--more-seeds N``, Blastwall's and the harness oracle's medians on N
further seeds (20 seeds leave a median uncertain by tens of observations).

Streams, results and calibration caches go to bench/.work/detect/ (never into the harness).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _detect_floor  # bench/_detect_floor.py: the script's folder is on sys.path
import numpy as np

from blastwall.detect.detectors import Kind, make_detector

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "detect"
REFERENCE = 10_000  # the replay command's default reference window
RATE = 1e-4  # the harness calibrates every peer to ~1 false alarm per 10,000 observations
TARGET_FA_PER_10K = 1.0
ORACLE_FACTOR = 1.5
CHANGE_SCENARIOS = (
    "S1-fraud-share",
    "S2-refusal-creep",
    "S3-length-shift",
    "S4-latency-variance",
)
FAMILY = {
    "S1-fraud-share": "fraud",
    "S2-refusal-creep": "refusal",
    "S3-length-shift": "length",
    "S4-latency-variance": "latency",
}
KIND = {"fraud": "categorical", "refusal": "binary", "length": "continuous"}
_REFERENCE_ROWS = ("Lorden", "CUSUM oracle", "CUSUM-oracle")


def find_harness(given: str | None) -> Path:
    """The shared harness: --harness, $BLASTWALL_DETECT_BENCH, or ../shared/bench/detect."""
    candidates = [Path(given)] if given else []
    if os.environ.get("BLASTWALL_DETECT_BENCH"):
        candidates.append(Path(os.environ["BLASTWALL_DETECT_BENCH"]))
    candidates += [ROOT.parent / "shared" / "bench" / "detect", Path("/work/shared/bench/detect")]
    for c in candidates:
        if (c / "run_bench.py").is_file():
            return c.resolve()
    tried = ", ".join(str(c) for c in candidates)
    sys.exit(f"detection harness not found (tried {tried}); pass --harness DIR")


def replay_command() -> str:
    """`blastwall detect replay` from this interpreter's environment."""
    script = Path(sys.executable).parent / "blastwall"
    base = (
        shlex.quote(str(script))
        if script.is_file()
        else f"{shlex.quote(sys.executable)} -c 'from blastwall.cli.main import main; main()'"
    )
    return f"{base} detect replay --false-alarm-rate {RATE:g}"


def ensure_streams(harness: Path, streams: Path, seeds: str) -> None:
    """Generate the harness's streams into our work folder unless they are already there."""
    last = streams / "S5-null-latency" / "seed19.json"
    if seeds == "0-19" and last.is_file():
        return
    print(f"generating streams into {streams} ...", flush=True)
    subprocess.run(
        [sys.executable, "gen_streams.py", "--out", str(streams), "--seeds", seeds],
        cwd=harness,
        check=True,
        env=_env(),
    )


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONDONTWRITEBYTECODE="1", BLASTWALL_CACHE_DIR=str(WORK / "cache"))


def run_harness(harness: Path, streams: Path, seeds: str, jobs: int) -> dict[str, Any]:
    out = WORK / "results.json"
    cmd = [
        sys.executable,
        "run_bench.py",
        "--ext-only",
        "--ext",
        f"blastwall={replay_command()}",
        "--streams",
        str(streams),
        "--seeds",
        seeds,
        "--jobs",
        str(jobs),
        "--out",
        str(out),
    ]
    print("running:", " ".join(shlex.quote(c) for c in cmd), flush=True)
    subprocess.run(cmd, cwd=harness, check=True, env=_env())
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def parse_results_md(path: Path) -> tuple[dict[str, float], dict[str, tuple[str, float]]]:
    """(oracle worst-case mean per scenario, best matched peer (name, median) per scenario)."""
    oracle: dict[str, float] = {}
    best: dict[str, tuple[str, float]] = {}
    if not path.is_file():
        return oracle, best
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## 1."))
    header: list[str] = []
    for line in lines[start:]:
        if line.startswith("## 2."):
            break
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == "detector":
            header = cells[1:]
            continue
        for scenario, cell in zip(header, cells[1:], strict=False):
            match = re.match(r"(\d+(?:\.\d+)?)", cell)
            if not match:
                continue
            value = float(match.group(1))
            if cells[0].startswith("CUSUM oracle, worst case"):
                oracle[scenario] = value
            elif (
                not cells[0].startswith(_REFERENCE_ROWS)
                and "†" not in cell
                and (scenario not in best or value < best[scenario][1])
            ):
                best[scenario] = (cells[0], value)
    return oracle, best


def score(harness: Path, data: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    sys.path.insert(0, str(harness))
    import run_bench  # type: ignore[import-not-found]  # noqa: PLC0415  (the harness's own scorer)

    rows: dict[tuple[str, str, str], dict[str, Any]] = run_bench.score(data["runs"])
    return rows


def throughput(n: int = 1_000_000, batch: int = 10_000) -> dict[str, dict[str, float]]:
    """Observations per second through update_many (engine-sized batches) and update()."""
    os.environ["BLASTWALL_CACHE_DIR"] = str(WORK / "cache")
    rng = np.random.default_rng(0)
    streams = {
        "categorical": rng.choice(5, size=n, p=[0.80, 0.02, 0.10, 0.05, 0.03]),
        "binary": (rng.random(n) < 0.01).astype(np.int64),
        "continuous": rng.lognormal(np.log(400.0), 0.6, size=n),
    }
    out: dict[str, dict[str, float]] = {}
    for kind, values in streams.items():
        reference = values[:10_000]
        det = make_detector(Kind(kind), reference=10_000, false_alarm_rate=RATE, categories=5)
        det.update_many(reference)
        # Best of three: other work on a shared machine only ever slows a run down.
        many = one = 0.0
        for _ in range(3):
            t0 = time.perf_counter()
            for start in range(0, n, batch):
                det.update_many(values[start : start + batch])
            many = max(many, n / (time.perf_counter() - t0))
            single = values[:50_000].tolist()
            t0 = time.perf_counter()
            for x in single:
                det.update(x)
            one = max(one, len(single) / (time.perf_counter() - t0))
        out[kind] = {"update_many": many, "update": one}
    return out


_ADWIN = """
import sys, time, numpy as np
from river.drift import ADWIN
rng = np.random.default_rng(0)
for name, xs in (("binary", (rng.random(300_000) < 0.01).astype(float)),
                 ("continuous", rng.lognormal(np.log(400.0), 0.6, size=300_000))):
    xs = xs.tolist(); best = 0.0
    for _ in range(3):
        det = ADWIN(); t0 = time.perf_counter()
        for x in xs:
            det.update(x)
        best = max(best, len(xs) / (time.perf_counter() - t0))
    print(name, best)
"""


def adwin_throughput(python: str | None) -> dict[str, float]:
    """river's ADWIN in-process (in `python`, or this interpreter), or {} without river."""
    exe = python or sys.executable
    proc = subprocess.run([exe, "-c", _ADWIN], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {}
    return {k: float(v) for k, v in (line.split() for line in proc.stdout.splitlines())}


def _fmt(x: float) -> str:
    return "miss" if math.isinf(x) else f"{x:.0f}"


def monitored_rate(runs: list[dict[str, Any]], scenario: str) -> float:
    """False alarms per 10k observations the detector monitored (after its reference window).

    The harness divides by every observation of the stream, the reference window included,
    where the detector cannot alarm; this is the rate the product promises.
    """
    alarms = events = 0
    for r in runs:
        if r["det"] != "blastwall" or r["scenario"] != scenario:
            continue
        end = r["change_index"] if r["change_index"] is not None else r["n"]
        alarms += sum(1 for a in r["alarms"] if a < end)
        events += max(0, end - REFERENCE)
    return 1e4 * alarms / events if events else math.nan


def report(
    rows: dict[tuple[str, str, str], dict[str, Any]],
    runs: list[dict[str, Any]],
    oracle: dict[str, float],
    best: dict[str, tuple[str, float]],
) -> list[str]:
    """Print the per-scenario table; return the targets that fail."""
    failures: list[str] = []
    print()
    print("FA/10k as the harness counts it (all observations) [per monitored observation]")
    print(
        f"{'scenario':22} {'FA/10k null':>14} {'FA/10k pre':>14} {'median':>6} {'p90':>6} "
        f"{'oracle wc':>9} {'x oracle':>8} {'best peer':>22} {'x peer':>6}"
    )
    for sc in CHANGE_SCENARIOS:
        change = rows.get(("blastwall", "external", sc))
        null = rows.get(("blastwall", "external", f"S5-null-{FAMILY[sc]}"))
        if change is None or null is None:
            failures.append(f"{sc}: no results")
            continue
        median, p90 = float(change["median"]), float(change["p90"])
        wc = oracle.get(sc, math.nan)
        peer_name, peer = best.get(sc, ("?", math.nan))
        null_fa = f"{null['fa_per_10k']:.2f} [{monitored_rate(runs, null['scenario']):.2f}]"
        pre_fa = f"{change['fa_per_10k']:.2f} [{monitored_rate(runs, sc):.2f}]"
        print(
            f"{sc:22} {null_fa:>14} {pre_fa:>14} {_fmt(median):>6} "
            f"{_fmt(p90):>6} {wc:9.0f} {median / wc:8.2f} {f'{peer_name} {peer:.0f}':>22} "
            f"{median / peer:6.2f}"
        )
        if max(null["fa_per_10k"], change["fa_per_10k"]) > TARGET_FA_PER_10K:
            failures.append(f"{sc}: false alarms above {TARGET_FA_PER_10K} per 10k")
        if median > ORACLE_FACTOR * wc:
            failures.append(f"{sc}: median {median:.0f} > {ORACLE_FACTOR} x oracle {wc:.0f}")
        if median > peer:
            failures.append(f"{sc}: median {median:.0f} slower than {peer_name} ({peer:.0f})")
        if change.get("errors"):
            failures.append(f"{sc}: command errors {change['errors']}")
    return failures


def _seed_range(spec: str) -> range:
    low, _, high = spec.partition("-")
    return range(int(low), int(high or low) + 1)


def floors(
    harness: Path, rows: dict[tuple[str, str, str], dict[str, Any]], seeds: str, more: int
) -> None:
    """Print the agnostic oracle on the same seeds and, when asked, medians on more seeds."""
    os.environ["BLASTWALL_CACHE_DIR"] = str(WORK / "cache")
    same = _seed_range(seeds)
    floor = _detect_floor.floor_medians(harness, RATE, same, REFERENCE)
    print(
        "\ncount scenarios against the agnostic oracle (told the law and the change's size, "
        "not the category or direction; same seeds, in-process):"
    )
    for sc, f in floor.items():
        ours = rows.get(("blastwall", "external", sc))
        if ours is None:
            continue
        median = float(ours["median"])
        print(
            f"  {sc:22} agnostic oracle ({f['rows']:.0f} CUSUMs) median {f['median']:5.0f}"
            f"   Blastwall {median:5.0f} = {median / f['median']:.2f} x"
        )
    if more <= 0:
        return
    extra = range(same.stop, same.stop + more)
    print(
        f"\nseeds {extra.start}-{extra.stop - 1} (in-process replay path; oracle as the harness's):"
    )
    for sc, m in _detect_floor.many_seeds(harness, RATE, extra, REFERENCE).items():
        print(
            f"  {sc:22} Blastwall median {m['median']:5.0f} mean {m['mean']:5.0f}   "
            f"oracle median {m['oracle_median']:5.0f} mean {m['oracle_mean']:5.0f}   "
            f"ratio of medians {m['median'] / m['oracle_median']:.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--harness", help="the shared detection harness folder")
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--bench-python", help="interpreter with river installed (ADWIN ratio)")
    ap.add_argument("--skip-run", action="store_true", help="re-score the last results.json")
    ap.add_argument(
        "--more-seeds", type=int, default=0, help="also run S1/S2 on this many more seeds"
    )
    a = ap.parse_args()

    harness = find_harness(a.harness)
    WORK.mkdir(parents=True, exist_ok=True)
    streams = WORK / "streams"
    if a.skip_run:
        data = json.loads((WORK / "results.json").read_text())
    else:
        ensure_streams(harness, streams, a.seeds)
        data = run_harness(harness, streams, a.seeds, a.jobs)
    rows = score(harness, data)
    md_oracle, best = parse_results_md(harness / "RESULTS.md")
    oracle = {sc: v["mean"] for sc, v in data.get("oracle_worst_case", {}).items()} or md_oracle
    failures = report(rows, data["runs"], oracle, best)
    floors(harness, rows, a.seeds, a.more_seeds)

    speed = throughput()
    adwin = adwin_throughput(a.bench_python)
    print(
        "\nin-process throughput, one core, best of 3 "
        "(observations/s; update_many in batches of 10,000):"
    )
    for kind, rates in speed.items():
        ref = adwin.get("binary" if kind != "continuous" else "continuous")
        vs = f"  = {rates['update_many'] / ref:.2f} x river ADWIN ({ref / 1e6:.2f}M)" if ref else ""
        print(
            f"  {kind:12} update_many {rates['update_many'] / 1e6:6.2f}M   "
            f"update() {rates['update'] / 1e3:6.0f}k{vs}"
        )
        if rates["update_many"] < 1_000_000:
            failures.append(f"throughput {kind}: {rates['update_many']:.0f}/s < 1,000,000/s")
    if not adwin:
        print("  (river not importable here: pass --bench-python for the ADWIN ratio)")
    print("\ntargets:", "all hold" if not failures else "")
    for f in failures:
        print("  FAILS", f)


if __name__ == "__main__":
    main()
