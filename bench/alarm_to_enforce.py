"""From the event that crosses a monitor's threshold to the SDK refusing calls (issue 10 §2).

A real `blastwall serve` with its default settings (the detection engine ticking every
`engine_interval_s`, 0.25 s by default) holds N systems, each with a `response_length`
monitor learning from its first 60 calls and an **enforce** policy that kills the system
in prod when that monitor alarms (with the authority rule that lets it). Each run uses a
fresh system, so nothing carries over (no cooldown, no open incident, no learned drift):

1. an SDK process follows the system's lever stream and makes a guarded call every 5 ms;
2. 500 ordinary answers (about 300 characters, seeded) are posted; the monitor learns them;
3. answers of 1,000 characters are then posted one per request, every 50 ms, until the
   monitor alarms. The alarm names the trace that crossed; that event's post is time 0.

Stages, each from the previous one, read from the server's own records where it has them:

* **ingested**: the crossing event's `POST /events` answered (stored: the engine reads it
  from its next tick);
* **alarm**: the engine tick that raised the alarm (`alarm.at`): the wait for the next tick
  plus the tick itself; the engine's interval is printed beside it;
* **policy**: the policy's `lever.kill` audit entry (`policy:NAME`), in the alarm's own
  transaction;
* **SDK**: the SDK process's first guarded call whose decision is `killed`.

Same-run baseline: right after, the bench restores the system and kills it by hand
(`POST /kill`, what `blastwall kill` does) and times the same SDK seeing it; the ratio of
end-to-end to that manual propagation is what detection and the policy add to a human's
kill, and the ratio to one engine interval says how much of it is the tick.

Run: .venv/bin/python bench/alarm_to_enforce.py [--runs 20]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server, running

from blastwall.config import Settings
from blastwall.sdk import Guard

TARGET_P99_S = 1.0
LEARN = 500
POST_EVERY_S = 0.05
CALL_EVERY_S = 0.005


def system(n: int) -> str:
    return f"bench-{n}"


def document(runs: int) -> dict[str, Any]:
    """Every run's system, monitor, enforce policy and the rule that lets it kill."""
    systems = [
        {
            "name": system(n),
            "owner": "bench",
            "risk_tier": "high",
            "environments": ["prod"],
            "monitors": [
                {
                    "name": "length",
                    "signal": "response_length",
                    "environment": "prod",
                    "reference": {"observations": LEARN},
                }
            ],
        }
        for n in range(runs)
    ]
    policies = [
        {
            "name": f"kill-{system(n)}",
            "system": system(n),
            "mode": "enforce",
            "when": {"alarm": {"monitor": "length"}},
            "do": [{"environment": "prod", "set": {"killed": True}}],
            "cooldown": 0,
        }
        for n in range(runs)
    ]
    rules = [
        {"subject": f"policy:kill-{system(n)}", "levers": ["kill"], "systems": [system(n)]}
        for n in range(runs)
    ]
    return {"version": 1, "systems": systems, "policies": policies, "authority": {"rules": rules}}


def sdk(server: Server, name: str, ready: Any, seen: Any, go: Any) -> None:
    """Guarded calls every 5 ms; reports when calls turn killed, twice (policy, then manual)."""
    guard = Guard(
        name,
        "prod",
        server.url,
        server.token,
        state_file=False,
        otel_spans=False,
        flush_interval_s=3600,
        max_queue=100,
    )
    while not guard.stats()["stream_connected"]:
        time.sleep(0.01)
    ready.put(1)
    for round_ in ("policy", "manual"):
        while True:
            with guard.call(input="ping") as call:
                pass
            if call.decision.value == "killed":
                seen.put(time.time())
                break
            time.sleep(CALL_EVERY_S)
        if round_ == "manual":
            break
        go.get(timeout=60)  # restored: wait for calls to proceed again, then say so
        while True:
            with guard.call(input="ping") as call:
                pass
            if call.decision.value != "killed":
                break
            time.sleep(CALL_EVERY_S)
        ready.put(1)
    guard.close(timeout=0.1)


def event(name: str, length: int, trace_id: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "type": "call",
        "trace_id": trace_id,
        "system": name,
        "environment": "prod",
        "at": datetime.now(UTC).isoformat(),
        "decision": "proceed",
        "outcome": "ok",
        "output": "x" * length,
    }


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_monitoring(api: Any, name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        monitor = api.get(f"/api/v1/systems/{name}/monitors/length").json()
        if monitor["state"]["phase"] == "monitoring":
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name}'s monitor never left learning: {monitor['state']}")


def one_run(server: Server, n: int, ctx: Any) -> dict[str, float]:
    """Seconds per stage for run ``n``, plus the manual kill's propagation."""
    name = system(n)
    ready, seen, go = ctx.Queue(), ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=sdk, args=(server, name, ready, seen, go))
    proc.start()
    ready.get(timeout=120)
    with server.client() as api:
        rng = random.Random(n)
        learn = [
            event(name, max(1, round(rng.gauss(300, 40))), f"{name}-learn-{i}")
            for i in range(LEARN)
        ]
        for start in range(0, LEARN, 100):
            api.post("/api/v1/events", json=learn[start : start + 100]).raise_for_status()
        wait_monitoring(api, name)
        posted: dict[str, tuple[float, float]] = {}
        alarm: dict[str, Any] | None = None
        i = 0
        while alarm is None:
            trace_id = f"{name}-bad-{i}"
            start = time.time()
            answer = api.post("/api/v1/events", json=[event(name, 1000, trace_id)])
            assert answer.status_code == 200, answer.text  # accepted, stored
            posted[trace_id] = (start, time.time())
            alarms = api.get("/api/v1/alarms", params={"system": name}).json()["items"]
            alarm = alarms[0] if alarms else None
            i += 1
            time.sleep(POST_EVERY_S)
        sdk_changed = seen.get(timeout=30)
        entries = api.get("/api/v1/audit", params={"limit": 1000}).json()["items"]
        kill = next(
            e
            for e in reversed(entries)
            if e["actor"] == f"policy:kill-{name}" and e["action"] == "lever.kill"
        )
        api.post(
            f"/api/v1/systems/{name}/restore", json={"environment": "prod", "reason": "bench"}
        ).raise_for_status()
        go.put(1)
        ready.get(timeout=30)
        manual_start = time.time()
        api.post(
            f"/api/v1/systems/{name}/kill", json={"environment": "prod", "reason": "bench"}
        ).raise_for_status()
        manual = seen.get(timeout=30) - manual_start
    proc.join(timeout=10)
    if proc.is_alive():
        proc.terminate()
        proc.join()
    post_start, accepted = posted[alarm["trace_id"]]
    alarm_at, audit_at = ts(alarm["at"]), ts(kill["at"])
    return {
        "ingested": accepted - post_start,
        "alarm": alarm_at - accepted,
        "policy": audit_at - alarm_at,
        "sdk": sdk_changed - audit_at,
        "end_to_end": sdk_changed - post_start,
        "manual_kill": manual,
        "bad_events": float(i),
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    interval = Settings.model_fields["engine_interval_s"].default
    ctx = mp.get_context("spawn")
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), []) as server:
        with server.client() as api:
            api.post("/api/v1/apply", json={"document": document(runs)}).raise_for_status()
        for n in range(runs):
            results.append(one_run(server, n, ctx))
            r = results[-1]
            print(
                f"  run {n + 1:>2}: "
                + "  ".join(f"{k} {v * 1000:6.0f} ms" for k, v in r.items() if k != "bad_events")
                + f"  ({r['bad_events']:.0f} bad events posted)",
                file=sys.stderr,
                flush=True,
            )
    print(f"engine tick interval {interval * 1000:.0f} ms (default settings); {runs} runs")
    for stage in ("ingested", "alarm", "policy", "sdk", "end_to_end", "manual_kill"):
        values = [r[stage] * 1000 for r in results]
        print(
            f"{stage:<12} p50 {statistics.median(values):7.1f} ms   p99 {pct(values, 0.99):7.1f} ms"
            f"   max {max(values):7.1f} ms"
        )
    e2e = [r["end_to_end"] for r in results]
    manual = statistics.median(r["manual_kill"] for r in results)
    print(
        f"end-to-end p50 {statistics.median(e2e) / manual:.1f}x the manual kill's propagation "
        f"(same run), {statistics.median(e2e) / interval:.2f}x one engine interval; "
        f"p99 {pct(e2e, 0.99):.2f} s, target <= {TARGET_P99_S:.0f} s"
    )


if __name__ == "__main__":
    main()
