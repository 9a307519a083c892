"""How fast `blastwall runbook support-agent` answers, against a real server.

The server is a real `blastwall serve` on SQLite with the example blastwall.yaml applied
(tools, retrieval sources, an on-call policy, a triage tree), a known-good release and a
newer one active in prod, so every section of the page is filled. Each command is a fresh
process, as a stressed responder runs it, in text (what they read) and --json. The
baseline, in the same run and interleaved, is `blastwall whoami`: the same start-up and one
authenticated API call, so the ratio is what building the runbook adds to the CLI's
start-up, which dominates. A second figure times GET /systems/support-agent/runbook alone.

Start-up first: `blastwall --help` and `blastwall runbook` (refused at once for want of a
token, so no server time is counted) against a bare `python -c pass` in the same run,
interleaved, in wall time and in CPU time (user + system of the child: on a shared,
loaded machine wall time mostly measures the queue for a core, CPU time what the command
costs). Run it before and after a change to the CLI's imports and compare the ratios.

Run: .venv/bin/python bench/runbook_wall.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import BIN, running
from oncall_now import api_time, report, timed

from blastwall.config_as_code.loader import load_document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "blastwall.yaml"
TARGET_S = 1.0
SYSTEM = "support-agent"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def startup(runs: int) -> None:
    """Wall and CPU seconds of the CLI's start-up against `python -c pass`, interleaved."""
    env = {k: v for k, v in os.environ.items() if k != "BLASTWALL_TOKEN"}
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "blastwall --help": [BIN, "--help"],
        "blastwall runbook (no token)": [BIN, "runbook", SYSTEM],
    }
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start, used = time.perf_counter(), _child_cpu()
            subprocess.run(argv, check=False, capture_output=True, env=env)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(_child_cpu() - used)
    base_wall = statistics.median(wall["python -c pass (baseline)"])
    base_cpu = statistics.median(cpu["python -c pass (baseline)"])
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"{name:<30} wall median {w * 1000:6.0f} ms max {max(wall[name]) * 1000:6.0f} ms"
            f" ({w / base_wall:4.1f}x)   cpu median {c * 1000:5.0f} ms ({c / base_cpu:4.1f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    startup(runs)
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), []) as server:
        with server.client() as api:
            applied = api.post("/api/v1/apply", json={"document": load_document(EXAMPLE)})
            applied.raise_for_status()
            base = f"/api/v1/systems/{SYSTEM}/releases"
            api.post(f"{base}/initial/known-good", json={"reason": "bench"}).raise_for_status()
            prompt = {"system-prompt": {"template": "terse", "variables": []}}
            api.post(base, json={"name": "v2", "surfaces": prompt}).raise_for_status()
            api.post(f"{base}/v2/activate", json={"environment": "prod"}).raise_for_status()
        commands = [["runbook", SYSTEM], ["runbook", SYSTEM, "--json"], ["whoami"]]
        text, as_json, whoami = timed(server, commands, runs)
        text_median = report(f"runbook {SYSTEM}", text)
        json_median = report(f"runbook {SYSTEM} --json", as_json)
        base_median = report("whoami (baseline)", whoami)
        print(
            f"ratio {text_median / base_median:.2f}x (text), {json_median / base_median:.2f}x "
            f"(json) the baseline; slowest {max(text + as_json):.2f} s, target under "
            f"{TARGET_S:.0f} s"
        )
        with server.client() as api:
            page = [api_time(api, f"/api/v1/systems/{SYSTEM}/runbook") for _ in range(runs)]
            one = [api_time(api, "/api/v1/whoami") for _ in range(runs)]
        page_median = report(f"GET /systems/{SYSTEM}/runbook", page)
        one_median = report("GET /whoami (baseline)", one)
        print(f"ratio {page_median / one_median:.1f}x the baseline")


if __name__ == "__main__":
    main()
