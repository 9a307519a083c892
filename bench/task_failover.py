"""How fast background tasks stop on SIGTERM and move to a standby replica when one dies.

1. Shutdown: a server on SQLite with every background task running is sent SIGTERM; the
   time until it exits, against the same server with no task enabled (same-run baseline).
2. Failover: two replicas on one PostgreSQL; the detection engine's leader is SIGKILLed;
   the time until the other replica reports itself leader, against the leader retry period
   (``BLASTWALL_TASK_LEADER_RETRY_S``, the expected bound).

PostgreSQL: ``--postgres URL`` (an empty database, postgresql+psycopg://...), else a
throwaway server from Debian's packages (tests/pg.py).

Run: .venv/bin/python bench/task_failover.py [--rounds 3] [--retry 5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import free_port, wait_healthy  # noqa: E402

# The CLI of this checkout (the venv's `blastwall` script may come from another install).
CLI = [sys.executable, "-c", "from blastwall.cli.main import main; main()"]
ENGINE = "detection-engine"


def token(db: str) -> str:
    name = f"bench-{time.time_ns()}"
    made = subprocess.run(
        [*CLI, "token", "create", "--name", name, "--role", "admin", "--db", db, "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    secret: str = json.loads(made.stdout)["token"]
    return secret


def serve(db: str, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, timeout_s=60)
    return process, url


def until(probe: Callable[[], bool], timeout_s: float = 120) -> float:
    """Seconds until ``probe`` holds, polled every 10 ms."""
    start = time.monotonic()
    while not probe():
        if time.monotonic() - start > timeout_s:
            raise RuntimeError("timed out")
        time.sleep(0.01)
    return time.monotonic() - start


def role(url: str, secret: str) -> str | None:
    try:
        answer = httpx.get(
            f"{url}/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"}, timeout=5
        )
        tasks = answer.raise_for_status().json()["tasks"]
    except httpx.HTTPError:
        return None
    return next((t["role"] for t in tasks if t["name"] == ENGINE), None)


def shutdown_s(db: str, secret: str, *, tasks: bool) -> float:
    enabled = "true" if tasks else "false"
    process, url = serve(
        db, BLASTWALL_ENGINE_ENABLED=enabled, BLASTWALL_CANARY_SCHEDULER_ENABLED=enabled
    )
    if tasks:
        until(lambda: role(url, secret) == "leader")
    start = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    return time.monotonic() - start


def failover_s(db: str, secret: str, retry_s: float) -> float:
    env = {"BLASTWALL_TASK_LEADER_RETRY_S": str(retry_s)}
    replicas = [serve(db, **env), serve(db, **env)]
    try:
        until(lambda: sorted(str(role(u, secret)) for _, u in replicas) == ["leader", "standby"])
        leader, standby = replicas if role(replicas[0][1], secret) == "leader" else replicas[::-1]
        leader[0].send_signal(signal.SIGKILL)
        start = time.monotonic()
        leader[0].wait()
        until(lambda: role(standby[1], secret) == "leader")
        return time.monotonic() - start
    finally:
        for process, _ in replicas:
            if process.poll() is None:
                process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--retry", type=float, default=5.0, help="leader retry period, s")
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{Path(tmp) / 'bench.db'}"
        secret = token(sqlite)
        quiet = [shutdown_s(sqlite, secret, tasks=False) for _ in range(args.rounds)]
        busy = [shutdown_s(sqlite, secret, tasks=True) for _ in range(args.rounds)]
    print(
        f"SIGTERM to exit, tasks running: median {statistics.median(busy):.2f} s "
        f"(max {max(busy):.2f}); no task: {statistics.median(quiet):.2f} s; "
        f"ratio {statistics.median(busy) / statistics.median(quiet):.2f}"
    )

    server = None
    url = args.postgres
    if url is None:
        from tests import pg  # noqa: PLC0415  (throwaway PostgreSQL, Debian's packages)

        server = pg.start()
        import psycopg  # noqa: PLC0415

        with psycopg.connect(
            server.url("postgres").replace("postgresql+psycopg", "postgresql"), autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE bench")
        url = server.url("bench")
    try:
        secret = token(url)
        takeovers = [failover_s(url, secret, args.retry) for _ in range(args.rounds)]
    finally:
        if server is not None:
            server.stop()
    print(
        f"failover after SIGKILL of the leader: median {statistics.median(takeovers):.2f} s "
        f"(max {max(takeovers):.2f}); retry period {args.retry:g} s; "
        f"ratio {statistics.median(takeovers) / args.retry:.2f}"
    )


if __name__ == "__main__":
    main()
