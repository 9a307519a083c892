"""Ingest benchmark: sustained events/s into a real server on SQLite, and acknowledged loss.

Starts ``blastwall serve`` (``--workers N`` when asked) on a fresh SQLite database in a
subprocess, runs N producer processes that feed the SDK's own ``Exporter`` (docs/sdk.md:
gzip batches of at most 500 events, retried on connection errors and 5xx with the same
event ids), and reports:

* events/s: events acknowledged by the server (HTTP 200, counted in ``accepted``) divided
  by the wall time of the sending phase;
* CPU: the server's (user and kernel) and the producers' per 1,000 events, and the load
  average, because the machine may be shared: events per CPU-second compare across runs
  when events/s do not;
* lost: acknowledged event ids missing from the database, counted after the server was
  killed with SIGKILL (no graceful shutdown), so only what was committed counts.

A second phase kills the server mid-stream, restarts it, and lets producers retry their
in-flight batches: acknowledged events must survive and retried ones must be stored once.

Run: .venv/bin/python bench/ingest.py [--producers 2] [--seconds 20] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory
from blastwall.registry.models import System
from blastwall.sdk.context import new_trace_id
from blastwall.sdk.export import Exporter
from blastwall.sdk.transport import make_client
from blastwall.traces.models import Trace

SYSTEM = "bench-classifier"
LABELS = ("refund", "fraud", "question", "complaint", "other")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare(data_dir: Path, drop_indexes: Sequence[str] = ()) -> str:
    """Migrate a fresh database, register the system, and return a viewer token (the SDK's).

    ``drop_indexes`` are dropped after migrating: the baseline for an index's ingest cost.
    """
    engine = make_engine(f"sqlite:///{data_dir / 'blastwall.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        for name in drop_indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        session.add(System(name=SYSTEM, owner="bench@example.com", risk_tier="high"))
        _, secret = access.create(
            session, name="bench-sdk", role=Role.viewer, actor=Actor(name="bench", role=Role.admin)
        )
    engine.dispose()
    return secret


def start_server(data_dir: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    """``blastwall serve`` as an operator runs it (with ``--workers`` when asked)."""
    command = [
        str(Path(sys.executable).parent / "blastwall"),
        "serve",
        "--db",
        f"sqlite:///{data_dir / 'blastwall.db'}",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    # Own process group: SIGKILL must take the workers down with the master. The access
    # log stays on, as in production; the server's output goes to a file.
    log = data_dir / "server.log"
    with log.open("ab") as out:
        server = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    kill(server)
    raise SystemExit(f"the server did not start within 30 s:\n{log.read_text()[-2000:]}")


def call_event(rng_seed: int, at: str) -> dict[str, Any]:
    """A realistic `call` event (docs/sdk.md), about 1.2 KB of JSON."""
    return {
        "id": f"{rng_seed:032x}",
        "type": "call",
        "trace_id": f"{rng_seed:032x}",
        "system": SYSTEM,
        "environment": "production",
        "at": at,
        "user_id": f"u-{rng_seed % 5000}",
        "decision": "proceed",
        "outcome": "ok",
        "error": None,
        "release": "r12",
        "surfaces": {"model": 3, "prompt": 7},
        "input": "I was charged twice for order 1234, please refund the second charge. "
        "My email is [EMAIL] and the card ends in [CARD].",
        "retrieved": [
            {"id": "kb-114", "source": "kb-public", "score": 0.82},
            {"id": "kb-201", "source": "kb-public", "score": 0.77},
        ],
        "model": "gpt-4o-mini",
        "requested_model": "gpt-4o-mini",
        "tool_calls": [
            {
                "name": "lookup_order",
                "arguments": {"order": 1234},
                "result": {"total": 30.0, "charges": 2},
                "status": "ok",
                "reason": None,
            }
        ],
        "output": "refund",
        "label": LABELS[rng_seed % len(LABELS)],
        "confidence": 0.91,
        "input_tokens": 120,
        "output_tokens": 3,
        "actions": [
            {
                "name": "issue_refund",
                "reversible": False,
                "status": "fired",
                "gate": "validator",
                "reason": None,
            }
        ],
        "levers": ["filters"],
        "filters": [
            {"filter": "pii", "stage": "input", "category": "email", "action": "redact", "count": 1}
        ],
        "lever_revision": 17,
        "lever_stale": False,
        "latency_ms": 412.5,
        "attributes": {"ticket": f"T-{rng_seed}"},
    }


class _Prebuilt:
    """A finished call as the exporter takes it: something with ``events()``."""

    __slots__ = ("event",)

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event

    def events(self, _redact: object) -> list[dict[str, Any]]:
        return [self.event]


def producer(
    *, server: str, token: str, seconds: float, batch_size: int, out: str, seed: int
) -> None:
    """Feed the SDK's own Exporter until ``seconds`` pass; write acknowledged ids to ``out``.

    One batch at a time: submit ``batch_size`` calls, flush, and keep flushing (the
    exporter re-sends the same batch) while the server is down. A batch counts as
    acknowledged when the exporter saw a 2xx with no rejection.
    """
    client = make_client(server, token, timeout=httpx.Timeout(30.0))
    exporter = Exporter(
        client,
        system=SYSTEM,
        environment="production",
        batch_size=batch_size,
        max_queue=batch_size * 2,
        status_interval_s=3600.0,
    )
    # The app builds events; reusing the dicts keeps producer CPU for the exporter's work.
    template = [call_event(seed * 7919 + i, "") for i in range(batch_size)]
    acknowledged: list[str] = []
    retries = 0
    random.seed(seed)
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    started = time.time()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        ids = []
        for event in template:
            # Ids as the SDK makes them: uuid4 event ids, time-prefixed trace ids.
            event_id = uuid.uuid4().hex
            ids.append(event_id)
            trace_id = new_trace_id()
            exporter.submit(_Prebuilt({**event, "id": event_id, "trace_id": trace_id, "at": at}))
        before = (exporter.sent, exporter.rejected, exporter.dropped)
        exporter.flush()
        while exporter.queued or exporter._retry is not None:
            retries += 1
            time.sleep(0.05)
            exporter.flush()
        if (exporter.rejected, exporter.dropped) != before[1:]:
            raise SystemExit(f"the server refused events: {exporter.rejected} rejected")
        if exporter.sent - before[0] == len(ids):
            acknowledged.extend(ids)
    ended = time.time()
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    client.close()
    cpu = (cpu_end.ru_utime + cpu_end.ru_stime) - (cpu_start.ru_utime + cpu_start.ru_stime)
    result = {
        "ids": acknowledged,
        "retries": retries,
        "started": started,
        "ended": ended,
        "cpu_s": cpu,
    }
    Path(out).write_text(json.dumps(result))


@dataclass
class Phase:
    events: int
    seconds: float
    lost: int
    stored: int
    retries: int
    server_cpu: Cpu
    producer_cpu_s: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def run_phase(
    data_dir: Path,
    token: str,
    *,
    phase: int,
    workers: int,
    producers: int,
    seconds: float,
    batch: int,
    crash_at: float | None,
) -> Phase:
    port = free_port()
    server = start_server(data_dir, port, workers)
    before = len(stored(data_dir))
    outs = [data_dir / f"producer-{i}.json" for i in range(producers)]
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(
            target=producer,
            kwargs={
                "server": f"http://127.0.0.1:{port}",
                "token": token,
                "seconds": seconds,
                "batch_size": batch,
                "out": str(out),
                "seed": phase * 100 + i + 1,  # event ids never repeat across phases
            },
        )
        for i, out in enumerate(outs)
    ]
    cpu_before = cpu_seconds(server.pid)
    for proc in procs:
        proc.start()
    server_cpu = Cpu(0.0, 0.0)
    if crash_at is not None:
        time.sleep(crash_at)
        server_cpu += cpu_seconds(server.pid) - cpu_before
        cpu_before = Cpu(0.0, 0.0)
        kill(server)
        server = start_server(data_dir, port, workers)  # same port: the SDKs keep their URL
    for proc in procs:
        proc.join()
    server_cpu += cpu_seconds(server.pid) - cpu_before
    # No graceful shutdown: only what the server committed may count as stored.
    kill(server)
    if any(proc.exitcode != 0 for proc in procs):
        raise SystemExit("a producer failed; see its error above")
    acknowledged: set[str] = set()
    retries = 0
    producer_cpu = 0.0
    window = [float("inf"), 0.0]
    for out in outs:
        result = json.loads(out.read_text())
        acknowledged.update(result["ids"])
        retries += result["retries"]
        producer_cpu += result["cpu_s"]
        window = [min(window[0], result["started"]), max(window[1], result["ended"])]
    stored_ids = stored(data_dir)
    lost = len(acknowledged - stored_ids)
    elapsed = window[1] - window[0]
    return Phase(
        len(acknowledged),
        elapsed,
        lost,
        len(stored_ids) - before,
        retries,
        server_cpu,
        producer_cpu,
    )


@dataclass(frozen=True)
class Cpu:
    """CPU seconds spent in user space and in the kernel (fsync, page cache, sockets)."""

    user: float
    system: float

    @property
    def total(self) -> float:
        return self.user + self.system

    def __add__(self, other: Cpu) -> Cpu:
        return Cpu(self.user + other.user, self.system + other.system)

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.user - other.user, self.system - other.system)


def cpu_seconds(pid: int) -> Cpu:
    """CPU time so far of a process and its children, e.g. uvicorn's workers (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    total = Cpu(int(fields[11]) / tick, int(fields[12]) / tick)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        total += cpu_seconds(int(child))
    return total


def kill(server: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and its workers: no graceful shutdown, no last flush."""
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def stored(data_dir: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{data_dir / 'blastwall.db'}")
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(Trace.event_id)))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--producers", type=int, default=2, help="producer processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the rate phase")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (blastwall serve --workers)"
    )
    parser.add_argument("--batch", type=int, default=500, help="events per request (SDK: 500)")
    parser.add_argument("--crash-seconds", type=float, default=8.0, help="0 skips the crash phase")
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        metavar="NAME",
        help="drop this index after migrating (repeatable): the baseline for its ingest cost",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        data_dir = Path(tmp)
        token = prepare(data_dir, args.drop_index)
        print(
            f"ingest bench: {os.cpu_count()} CPUs, `blastwall serve --workers {args.workers}` "
            f"on SQLite (WAL, synchronous=FULL), {args.producers} producer processes using "
            f"the SDK Exporter, {args.batch} events/batch, gzip"
            + (f"; dropped indexes: {', '.join(args.drop_index)}" if args.drop_index else "")
        )
        load = {"producers": args.producers, "batch": args.batch, "workers": args.workers}
        rate = run_phase(data_dir, token, phase=1, seconds=args.seconds, crash_at=None, **load)
        print(
            f"sustained: {rate.events} events acknowledged in {rate.seconds:.1f} s = "
            f"{rate.rate:,.0f} events/s (target >= 20,000); lost after SIGKILL: {rate.lost}"
        )
        cpu = rate.server_cpu
        per_core = rate.events / cpu.total if cpu.total else 0.0
        print(
            f"server CPU: {cpu.total:.1f} s (user {cpu.user:.1f}, kernel {cpu.system:.1f}) = "
            f"{1e6 * cpu.total / rate.events:.1f} ms per 1,000 events, i.e. {per_core:,.0f} "
            "events per server CPU-second"
        )
        print(
            f"producers' CPU: {rate.producer_cpu_s:.1f} s = "
            f"{1e6 * rate.producer_cpu_s / rate.events:.1f} ms per 1,000 events; "
            f"load average now {os.getloadavg()[0]:.1f} (the machine may be shared)"
        )
        if args.crash_seconds > 0:
            crash = run_phase(
                data_dir,
                token,
                phase=2,
                seconds=args.crash_seconds,
                crash_at=args.crash_seconds / 2,
                **load,
            )
            print(
                f"crash mid-stream: server SIGKILLed at {args.crash_seconds / 2:.1f} s and "
                f"restarted; {crash.events} acknowledged, {crash.retries} batch retries, "
                f"{crash.stored} rows stored (must equal acknowledged), lost: {crash.lost}"
            )
        else:
            crash = None
        lost = rate.lost + (crash.lost if crash else 0)
        print(
            f"RESULT events_per_s={rate.rate:.0f} "
            f"server_ms_per_1000={1e6 * cpu.total / rate.events:.1f} lost={lost}"
        )
        if lost:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
