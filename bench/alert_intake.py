"""Alertmanager webhooks into a real server: latency per payload, new alerts and repeats.

Against one SQLite server: 300 payloads of one new alert each (each joins the open
incident: a signal row, a timeline entry, an audit entry), 300 resends of one fingerprint
(repeats), and 20 payloads of 50 alerts. The same-run baseline is a hand-written note on
the incident (``POST /incidents/{id}/notes``: one timeline and one audit entry), the
smallest write the API has on an incident.

Run: .venv/bin/python bench/alert_intake.py [--requests 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import running

SYSTEM = {
    "name": "bench-agent",
    "owner": "bench",
    "risk_tier": "high",
    "environments": ["prod"],
    "surfaces": [{"name": "model", "kind": "model"}],
}
RULES = {"version": 1, "alert_rules": [{"match": {"service": "bench"}, "system": "bench-agent"}]}


def payload(*fingerprints: str) -> dict[str, Any]:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "BenchAlert", "instance": fp},
            "annotations": {"summary": f"bench {fp}"},
            "startsAt": "2026-05-01T09:30:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": fp,
        }
        for fp in fingerprints
    ]
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "blastwall",
        "groupLabels": {},
        "commonLabels": {"service": "bench"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }


def timed(n: int, send: Callable[[int], httpx.Response]) -> list[float]:
    """Milliseconds per request, each checked to succeed."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        answer = send(i)
        out.append((time.perf_counter() - start) * 1000)
        answer.raise_for_status()
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    with (
        tempfile.TemporaryDirectory() as tmp,
        running(Path(tmp), [SYSTEM]) as server,
        server.client() as api,
    ):
        api.post("/api/v1/apply", json={"document": RULES}).raise_for_status()
        am = "/api/v1/alerts/alertmanager"
        api.post(am, json=payload("first")).raise_for_status()  # opens incident 1
        note = timed(n, lambda i: api.post("/api/v1/incidents/1/notes", json={"message": f"n{i}"}))
        new = timed(n, lambda i: api.post(am, json=payload(f"new-{i}")))
        repeat = timed(n, lambda _: api.post(am, json=payload("first")))
        batch = timed(20, lambda i: api.post(am, json=payload(*(f"b{i}-{j}" for j in range(50)))))
    base = statistics.median(note)
    print(f"baseline: note on an incident      p50 {base:6.1f} ms  p99 {p(note, 99):6.1f} ms")
    for label, values in (("one new alert (joins)", new), ("one repeat", repeat)):
        mid = statistics.median(values)
        print(
            f"{label:<34} p50 {mid:6.1f} ms  p99 {p(values, 99):6.1f} ms  "
            f"ratio p50 {mid / base:4.2f}x"
        )
    per_alert = statistics.median(batch) / 50
    print(
        f"50 new alerts per payload          {per_alert:6.2f} ms per alert  "
        f"ratio {per_alert / base:4.2f}x a note"
    )


if __name__ == "__main__":
    main()
