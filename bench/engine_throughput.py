"""Detection engine throughput: stored events per second one engine tick turns into
observations for the example's six monitors, against the rate rows are read back alone.

Stores N ``call`` events of one system through the real ingest service on a fresh
database (SQLite by default), declares the six monitors of ``examples/blastwall.yaml``
(category shares, refusals, reply length, latency, refund action rate, feedback rate),
lets a first tick learn their baselines (calibration is cached, not timed), then times
ticks over the remaining events in batches as the server reads them, and prints:

* events/s through the engine's own path (read below the horizon, group, extract six
  signals, feed six detectors, save state and cursors), best of three runs;
* the same events read with the engine's single query and nothing else, as the baseline
  in the same run (the ratio says how much of a tick is the query).

Run: .venv/bin/python bench/engine_throughput.py [--events 200000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_file
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory, unit_of_work
from blastwall.detect.engine import Engine
from blastwall.detect.monitors import source
from blastwall.detect.monitors.models import Monitor
from blastwall.detect.monitors.runtime import Config
from blastwall.detect.signals import trace_columns
from blastwall.traces import ingest

ROOT = Path(__file__).resolve().parents[1]
ACTOR = Actor(name="bench", role=Role.admin)
CATEGORIES = ("general", "refund", "fraud", "account_access")
REFERENCE = 10_000  # the example's largest reference window


def events(n: int, seed: int = 1) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(CATEGORIES), size=n, p=[0.6, 0.2, 0.02, 0.18])
    lengths = rng.lognormal(5.5, 0.5, size=n).astype(int)
    latency = rng.lognormal(6.0, 0.4, size=n)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    out: list[dict[str, object]] = []
    for i in range(n):
        label = CATEGORIES[labels[i]]
        out.append(
            {
                "id": f"{i + 1:032x}",
                "type": "call",
                "trace_id": f"{i + 1:032x}",
                "system": "support-agent",
                "environment": "prod",
                "at": (t0 + timedelta(milliseconds=i)).isoformat(),
                "decision": "proceed",
                "outcome": "ok",
                "label": label,
                "output": "Thanks for reaching out. " + "x" * int(lengths[i]),
                "latency_ms": float(latency[i]),
                "actions": [{"name": "issue_refund", "reversible": False, "status": "fired"}]
                if label == "refund"
                else [],
            }
        )
    return out


def store(factory: object, batch: list[dict[str, object]]) -> None:
    for start in range(0, len(batch), ingest.MAX_EVENTS_PER_BATCH):
        body = json.dumps(batch[start : start + ingest.MAX_EVENTS_PER_BATCH]).encode()
        with unit_of_work(factory) as session:  # type: ignore[arg-type]
            ingest.ingest(session, body)


def run(url: str, n: int) -> tuple[float, float]:
    db = make_engine(url)
    upgrade(db)
    factory = make_session_factory(db)
    with unit_of_work(factory) as session:
        apply(session, load_file(ROOT / "examples" / "blastwall.yaml"), actor=ACTOR)
    warm = REFERENCE + 2000
    stream = events(n + warm)
    engine = Engine(batch_limit=50_000, settle_s=0)
    store(factory, stream[:warm])
    engine.run_once(factory)  # learn the baselines (calibration: cached, not timed)
    store(factory, stream[warm:])
    with factory() as session:
        first = source.max_id(session, source.TRACES) - n
    with factory() as session:
        monitors = session.scalars(select(Monitor).options(joinedload(Monitor.system))).all()
        names = trace_columns([Config.of(m).spec for m in monitors])
    started = time.perf_counter()
    with factory() as session:
        cursor = first
        while True:
            rows = source.fetch(session, source.TRACES, names, after=cursor, limit=50_000)
            if not len(rows):
                break
            cursor = int(rows["id"][-1])
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    fed = 0
    while True:
        report = engine.run_once(factory)
        fed += report.rows.get(source.TRACES, 0)
        if not report.more:
            break
    tick_s = time.perf_counter() - started
    assert fed == n, (fed, n)
    db.dispose()
    return n / tick_s, n / read_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{tmp}/bench.db"
            results.append(run(url, args.events))
            if args.database_url:
                break
    engine_rate, read_rate = max(results)
    print(f"events: {args.events}, monitors: 6 (examples/blastwall.yaml)")
    print(f"engine ticks  {engine_rate:>12,.0f} events/s  (best of {len(results)})")
    print(f"query alone   {read_rate:>12,.0f} events/s  = {engine_rate / read_rate:.2f} x")


if __name__ == "__main__":
    main()
