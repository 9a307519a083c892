"""Notifications: incident opened -> message at a local receiver, and dispatch throughput.

1. Latency: incidents are opened one at a time (the incident row and its ``incident.open``
   change, committed through the change kernel, which writes the outbox row in the same
   transaction); the server's dispatcher (woken after the commit) sends it to a receiver on
   loopback. Printed: p50/p99 from just before the commit to the receiver's arrival, against
   the 1 s target.
2. Throughput: 1,000 notifications queued while the dispatcher is off, then drained by one
   dispatcher; messages/s against the same receiver's raw rate from a plain httpx loop
   posting the same bodies (the same-run baseline: the cost of the claim and record
   transactions per message).

The channel is a plain JSON POST (the real channels add only their rendering). SQLite by
default; ``--database-url postgresql+psycopg://...`` for PostgreSQL (an empty database).

Run: .venv/bin/python bench/notify_dispatch.py [--incidents 200] [--queued 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.config import Settings
from blastwall.config_as_code.apply import apply_data
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory
from blastwall.incidents.models import Incident
from blastwall.notify import factory
from blastwall.notify.channels.base import Delivered, Outcome, RetryLater
from blastwall.notify.dispatcher import Dispatcher
from blastwall.notify.message import Message
from blastwall.tasks import Runner, SingleProcess

TARGET_P99_S = 1.0
ADMIN = Actor(name="bench", role=Role.admin)
DOCUMENT = {
    "version": 1,
    "channels": [
        {
            "name": "hook",
            "type": "webhook",
            "url_env": "BENCH_HOOK_URL",
            "secret_env": "BENCH_HOOK_SECRET",
        }
    ],
    "routes": [{"name": "all", "events": ["incident.opened"], "channels": ["hook"]}],
}


class Arrivals:
    """What the receiver saw: monotonic arrival time per incident id."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.count = 0
        self.lock = threading.Lock()

    def add(self, body: dict[str, Any]) -> None:
        with self.lock:
            self.count += 1
            incident = body.get("message", {}).get("incident_id")
            if incident is not None:
                self.at[incident] = time.monotonic()


def receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers
        seen: ClassVar[Arrivals] = arrivals

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.seen.add(body)
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class PostChannel:
    """A JSON POST over one keep-alive connection."""

    type: ClassVar[str] = "webhook"

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url
        self.http = httpx.Client(timeout=5)

    def send(self, message: Message, *, idempotency_key: str) -> Outcome:
        try:
            answer = self.http.post(
                self.url, json={"key": idempotency_key, "message": message.to_json()}
            )
        except httpx.HTTPError as exc:
            return RetryLater(type(exc).__name__)
        return Delivered() if answer.is_success else RetryLater(f"HTTP {answer.status_code}")


def open_incident(session: Session) -> int:
    now = datetime.now(UTC)
    incident = Incident(
        title="bench",
        summary="",
        status="detected",
        classes=[],
        harm="major",
        reversibility="irreversible",
        severity=1,
        matrix_version=1,
        started_at=now,
        detected_at=now,
        created_by="bench",
    )
    session.add(incident)
    session.flush()
    record(
        session,
        Change(
            action="incident.open",
            target=f"incident/{incident.id}",
            actor=ADMIN,
            incident_id=incident.id,
            timeline="opened",
        ),
    )
    return incident.id


def latency(sessions: sessionmaker[Session], arrivals: Arrivals, count: int) -> list[float]:
    runner = Runner([Dispatcher.of(sessions, _settings())], SingleProcess())
    runner.start()
    delays = []
    try:
        for _ in range(count):
            with sessions() as session:
                session.begin()
                incident = open_incident(session)
                started = time.monotonic()
                session.commit()
            while incident not in arrivals.at:
                if time.monotonic() - started > 30:
                    raise SystemExit(f"incident {incident}: no message after 30 s")
                time.sleep(0.0005)
            delays.append(arrivals.at[incident] - started)
            time.sleep(0.01)
    finally:
        runner.stop()
    return delays


def throughput(sessions: sessionmaker[Session], arrivals: Arrivals, queued: int) -> float:
    with sessions() as session, session.begin():
        for _ in range(queued):
            open_incident(session)
    dispatcher = Dispatcher(sessions, linger_s=0, batch=100, wake=threading.Event())
    before = arrivals.count
    started = time.perf_counter()
    while dispatcher.run_once():
        pass
    elapsed = time.perf_counter() - started
    assert arrivals.count - before == queued, (arrivals.count - before, queued)
    return queued / elapsed


def raw_rate(url: str, count: int) -> float:
    body = {"key": "blastwall-1-hook", "message": {"incident_id": None, "title": "bench"}}
    with httpx.Client(timeout=5) as http:
        started = time.perf_counter()
        for _ in range(count):
            http.post(url, json=body).raise_for_status()
        return count / (time.perf_counter() - started)


def _settings() -> Settings:
    return Settings()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--queued", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    arrivals = Arrivals()
    server = receiver(arrivals)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    environ: Mapping[str, str] = {"BENCH_HOOK_URL": url, "BENCH_HOOK_SECRET": "x"}
    factory.BUILDERS["webhook"] = lambda name, values: PostChannel(name, values["url"])
    os.environ.update(environ)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(database)
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session, session.begin():
            apply_data(session, DOCUMENT, actor=ADMIN)
        delays = latency(sessions, arrivals, args.incidents)
        p50 = statistics.median(delays)
        p99 = statistics.quantiles(delays, n=100)[98]
        verdict = "ok" if p99 <= TARGET_P99_S else "OVER TARGET"
        print(
            f"incident opened -> message at receiver ({len(delays)} incidents, "
            f"{engine.dialect.name}): p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {max(delays) * 1000:.1f} ms (target p99 <= {TARGET_P99_S * 1000:.0f} ms: "
            f"{verdict})"
        )
        rate = throughput(sessions, arrivals, args.queued)
        baseline = raw_rate(url, args.queued)
        print(
            f"throughput, {args.queued} queued: {rate:.0f} messages/s; plain httpx loop to "
            f"the same receiver: {baseline:.0f} requests/s; ratio {rate / baseline:.2f}"
        )
        engine.dispose()
    server.shutdown()


if __name__ == "__main__":
    main()
