"""How fast `blastwall oncall now SYSTEM --json` answers, against a real server.

The server is a real `blastwall serve` on SQLite with the example blastwall.yaml applied
(one weekly schedule, two levels). Each command is a fresh process, as a responder runs it.
The baseline, in the same run, is `blastwall whoami --json`: the same start-up and one
authenticated API call, so the ratio is what answering "who is on call" adds. A second
figure times GET /api/v1/oncall/now alone on a worst case for the next-hand-off search: a
one-person hourly rotation under a weekday-hours layer, where nobody else ever takes over,
so the search walks the whole 120-day horizon.

Run: .venv/bin/python bench/oncall_now.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import BIN, Server, running

from blastwall.config_as_code.loader import load_document

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "blastwall.yaml"
TARGET_S = 1.0
WORST = {
    "people": [{"name": "ana"}, {"name": "ben"}],
    "schedules": [
        {
            "name": "slow",
            "time_zone": "Europe/Berlin",
            "layers": [
                {"people": ["ana"], "rotation": "1h", "start": "2026-01-01"},
                {
                    "people": ["ana"],
                    "rotation": "daily",
                    "start": "2026-01-01",
                    "restrict": {
                        "days": ["mon", "tue", "wed", "thu", "fri"],
                        "hours": "09:00-17:00",
                    },
                },
            ],
        }
    ],
    "escalation_policies": [{"name": "slow", "levels": [{"targets": [{"schedule": "slow"}]}]}],
    "coverage": [{"policy": "slow"}],
}


def timed(server: Server, commands: list[list[str]], runs: int) -> list[list[float]]:
    """Seconds per run of each command; interleaved, so a busy spell hits both alike."""
    env = os.environ | {"BLASTWALL_SERVER": server.url, "BLASTWALL_TOKEN": server.token}
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, spent in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run([BIN, *command], check=True, capture_output=True, env=env)
            spent.append(time.perf_counter() - start)
    return times


def api_time(api: httpx.Client, url: str, system: str | None = None) -> float:
    start = time.perf_counter()
    answer = api.get(url, params={"system": system} if system else None)
    assert answer.status_code == 200, answer.text
    return time.perf_counter() - start


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"{name:<34} median {median * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), []) as server:
        with server.client() as api:
            applied = api.post("/api/v1/apply", json={"document": load_document(EXAMPLE)})
            applied.raise_for_status()
        commands = [["oncall", "now", "support-agent", "--json"], ["whoami", "--json"]]
        now, base = timed(server, commands, runs)
        now_median = report("oncall now support-agent --json", now)
        base_median = report("whoami --json (baseline)", base)
        print(f"ratio {now_median / base_median:.2f}x the baseline; ", end="")
        print(f"slowest {max(now):.2f} s, target under {TARGET_S:.0f} s")

        with server.client() as api:
            example = [api_time(api, "/api/v1/oncall/now", "support-agent") for _ in range(runs)]
            report("GET /oncall/now, the example", example)
            document = {"version": 1, "oncall": WORST}
            api.post("/api/v1/apply", json={"document": document}).raise_for_status()
            api_times, health = [], []
            for _ in range(runs):
                api_times.append(api_time(api, "/api/v1/oncall/now", "support-agent"))
                health.append(api_time(api, "/api/v1/whoami"))
        worst = report("GET /oncall/now, 120-day search", api_times)
        one = report("GET /whoami (baseline)", health)
        print(f"ratio {worst / one:.1f}x the baseline")


if __name__ == "__main__":
    main()
