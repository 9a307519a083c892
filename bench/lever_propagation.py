"""How fast a kill and a rollback reach every running SDK: 50 client processes, a real server.

Each client is a separate process with its own Guard following the lever stream (or,
in the polling run, polling every second with the stream off). Once all are in sync the
bench kills the system through the API and records, per client, when its next guarded
call was refused. The rollback case does the same for a release: with r2 in force, it
rolls back one surface (the prompt) through the API and records when each client's next
call ran the rolled-back release and prompt. Export is parked (flush once an hour) so the
figure is propagation, not event ingest. The polling run is the same-run baseline.

Run: .venv/bin/python bench/lever_propagation.py [--clients 50]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server, running

from blastwall.sdk import Guard

SYSTEM = {
    "name": "bench-agent",
    "owner": "bench",
    "risk_tier": "high",
    "environments": ["prod"],
    "surfaces": [{"name": "model", "kind": "model"}, {"name": "prompt", "kind": "prompt"}],
}
R1 = {"model": {"model": "gpt-4o-mini"}, "prompt": {"template": "Refunds up to 200 EUR."}}
R2 = {"prompt": {"template": "Refund everything."}}
ROLLED_BACK = "r2+rollback-prompt-1"
CALL_EVERY_S = 0.01  # 100 guarded calls a second per client process
TARGET_P99_MS = 250.0


def ship(server: Server) -> None:
    """r1 (known-good) then r2 (a bad prompt) in force in prod, so a rollback has a target."""
    api_root = "/api/v1/systems/bench-agent"
    with server.client() as api:
        api.post(f"{api_root}/releases", json={"name": "r1", "surfaces": R1}).raise_for_status()
        api.post(f"{api_root}/releases/r1/known-good", json={"reason": "bench"}).raise_for_status()
        api.post(f"{api_root}/releases", json={"name": "r2", "surfaces": R2}).raise_for_status()
        api.post(
            f"{api_root}/releases/r2/activate", json={"environment": "prod", "reason": "bench"}
        ).raise_for_status()


def changed(call: Any, case: str) -> bool:
    """Whether this call already obeys the change the bench made."""
    if case == "kill":
        return bool(call.decision.value == "killed")
    return bool(call.release == ROLLED_BACK and call.prompt == R1["prompt"]["template"])


def client(server: Server, use_stream: bool, case: str, ready: Any, seen: Any) -> None:
    guard = Guard(
        "bench-agent",
        "prod",
        server.url,
        server.token,
        state_file=False,
        otel_spans=False,
        use_stream=use_stream,
        poll_interval_s=1.0,
        flush_interval_s=3600,
        max_queue=1000,
    )
    while not (
        guard.stats()["stream_connected"]
        if use_stream
        else guard.stats()["lever_age_s"] is not None
    ) or (case == "rollback" and guard.stats()["release"] != "r2"):
        time.sleep(0.01)
    ready.put(1)
    while True:
        with guard.call(input="ping") as call:
            pass
        if changed(call, case):
            seen.put(time.time())
            break
        time.sleep(CALL_EVERY_S)
    guard.close(timeout=0.1)


def measure(server: Server, clients: int, use_stream: bool, case: str = "kill") -> list[float]:
    """Milliseconds from the kill (or rollback) request to each client's first changed call."""
    ctx = mp.get_context("spawn")
    ready, seen = ctx.Queue(), ctx.Queue()
    procs = [
        ctx.Process(target=client, args=(server, use_stream, case, ready, seen))
        for _ in range(clients)
    ]
    for proc in procs:
        proc.start()
    for n in range(1, clients + 1):
        ready.get(timeout=180)
        if n % 10 == 0:
            print(f"  {n}/{clients} clients in sync", file=sys.stderr, flush=True)
    time.sleep(1.5)  # let every poller's clock run freely: the kill lands at a random phase
    with server.client() as api:
        started = time.time()
        if case == "kill":
            api.post(
                "/api/v1/systems/bench-agent/kill", json={"reason": "bench"}
            ).raise_for_status()
        else:
            api.post(
                "/api/v1/systems/bench-agent/rollback",
                json={"environment": "prod", "surface": "prompt", "reason": "bench"},
            ).raise_for_status()
        acked = (time.time() - started) * 1000
        print(f"  {case} acknowledged by the server after {acked:.1f} ms", file=sys.stderr)
        delays = [(seen.get(timeout=30) - started) * 1000 for _ in procs]
        if case == "kill":
            api.post(
                "/api/v1/systems/bench-agent/restore", json={"reason": "bench"}
            ).raise_for_status()
    for proc in procs:
        proc.join(timeout=10)
    return sorted(delays)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def report(name: str, delays: list[float]) -> None:
    print(
        f"{name:<22} p50 {statistics.median(delays):7.1f} ms   p99 {pct(delays, 0.99):7.1f} ms"
        f"   max {delays[-1]:7.1f} ms   ({len(delays)} clients)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), [SYSTEM]) as server:
        stream = measure(server, args.clients, use_stream=True)
        polling = measure(server, args.clients, use_stream=False)
        ship(server)
        rollback = measure(server, args.clients, use_stream=True, case="rollback")
    report("kill, stream (SSE)", stream)
    report("kill, polling alone 1 s", polling)
    report("rollback, stream (SSE)", rollback)
    for name, delays in (("kill", stream), ("rollback", rollback)):
        p99 = pct(delays, 0.99)
        verdict = "OK" if p99 <= TARGET_P99_MS else "MISSED"
        ratio = p99 / TARGET_P99_MS
        print(f"{name} stream p99 / target {TARGET_P99_MS:.0f} ms = {ratio:.2f}  {verdict}")
    print(f"kill stream p99 / polling p99 = {pct(stream, 0.99) / pct(polling, 0.99):.3f}")


if __name__ == "__main__":
    main()
