"""Blast radius benchmark: 1,000,000 traces on SQLite and on PostgreSQL, answer <= 500 ms.

Loads 1,000,000 traces of one system (30 days, 200,000 users, five labels, one trace in
ten firing downstream actions, one in a hundred a canary call) and 100,000 of another
system into a real SQLite file (WAL, as the server runs it) and into a real PostgreSQL
server started for the run (tests/pg.py, as the test suite does), then times
``blastradius.service.compute`` for an incident whose window covers every trace of its
system (the worst case) and one whose window is one day, beside a plain full-scan
``SELECT count(*) FROM traces`` in the same run, and prints the ratio.

SQLite rows go in through ingest's own bulk path (traces/bulk.py), PostgreSQL's through
COPY; both carry the ``fired_actions`` column ingest writes (traces/rows.py).

Run: .venv/bin/python bench/blast_radius.py [--traces 1000000] [--repeat 5] [--only sqlite]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blastwall.blastradius import service
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory
from blastwall.incidents.models import Incident
from blastwall.registry.models import System
from blastwall.traces import bulk, rows

SYSTEM, OTHER = "bench-bot", "bench-other"
START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 30
LABELS = ("refund", "fraud", "question", "complaint", "other")
COMBOS = (
    '[["hold_account",false]]',
    '[["send_email",true]]',
    '[["hold_account",false],["refund",true]]',
)
PAYLOAD = bulk.RawJSON('{"actions":[],"levers":[]}')
CHUNK = 20_000


def trace_rows(count: int, system: str, seed: int) -> Iterator[tuple[Any, ...]]:
    """``count`` trace rows in ``rows.TRACES.columns`` order, spread evenly over DAYS."""
    step = timedelta(days=DAYS) / count
    for i in range(count):
        at = START + step * i
        yield (
            f"{seed:04x}{i:028x}",
            f"t{seed}-{i}",
            system,
            "production",
            at,
            at,
            f"u-{(i * 7919) % 200_000}",
            "proceed",
            "ok",
            LABELS[i % len(LABELS)],
            0.9,
            "gpt-4o-mini",
            "r1",
            120.0,
            "a question",
            LABELS[i % len(LABELS)],
            False,
            PAYLOAD,
            i % 100 == 99,
            COMBOS[(i // 10) % len(COMBOS)] if i % 10 == 0 else None,
        )


def load_sqlite(engine: Engine, batches: list[tuple[str, int, int]]) -> None:
    table, columns = rows.TRACES.table, rows.TRACES.columns
    for system, count, seed in batches:
        chunk: list[tuple[Any, ...]] = []
        for row in trace_rows(count, system, seed):
            chunk.append(row)
            if len(chunk) == CHUNK:
                _sqlite_insert(engine, table, columns, chunk)
                chunk = []
        if chunk:
            _sqlite_insert(engine, table, columns, chunk)


def _sqlite_insert(engine: Engine, table: Any, columns: Any, chunk: list[tuple[Any, ...]]) -> None:
    statements = bulk.sqlite_statements(table, columns, chunk)
    with engine.begin() as connection:
        bulk.run(connection.connection.dbapi_connection, statements)


def load_postgres(engine: Engine, batches: list[tuple[str, int, int]]) -> None:
    columns = ", ".join(rows.TRACES.columns)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # PostgreSQL's default (the test server turns it off): VACUUM may only set hint bits
        # and the visibility map once the inserting commit is flushed.
        cursor.execute("SET synchronous_commit = on")
        for system, count, seed in batches:
            with cursor.copy(f"COPY traces ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in trace_rows(count, system, seed):
                    copy.write_row(row)
        raw.commit()
        # What autovacuum does in production after a bulk insert (insert-triggered since
        # PostgreSQL 13): statistics, and the visibility map index-only scans rely on.
        raw.dbapi_connection.autocommit = True  # type: ignore[union-attr]
        cursor.execute("VACUUM ANALYZE traces")
    finally:
        raw.close()


def setup_incidents(engine: Engine) -> tuple[int, int]:
    """Two incidents on SYSTEM: one whose window covers every trace, one a single day."""
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        system = System(name=SYSTEM, owner="bench@example.com", risk_tier="high")
        session.add_all([system, System(name=OTHER, owner="bench@example.com", risk_tier="low")])
        session.flush()
        ids = []
        for started, contained in (
            (START, START + timedelta(days=DAYS)),
            (START + timedelta(days=10), START + timedelta(days=11)),
        ):
            incident = Incident(
                title="bench",
                system_id=system.id,
                status="contained",
                harm="moderate",
                reversibility="reversible",
                severity=1,
                matrix_version=1,
                started_at=started,
                detected_at=contained,
                contained_at=contained,
                created_by="bench",
            )
            session.add(incident)
            session.flush()
            ids.append(incident.id)
    return ids[0], ids[1]


def best_ms(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, best) wall time in ms of ``repeat`` runs after one warm-up."""
    work()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), min(times)


def measure(name: str, engine: Engine, ids: tuple[int, int], repeat: int) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        whole = service.compute(session, ids[0])
        day = service.compute(session, ids[1])
        print(
            f"{name}: whole window {whole.traces:,} traces, {whole.users:,} users, "
            f"{whole.irreversible_actions:,} irreversible; one day {day.traces:,} traces"
        )

        def scan() -> object:
            return session.scalar(text("SELECT count(*) FROM traces"))

        scan_ms, _ = best_ms(scan, repeat)
        for label, incident_id in (("whole 30 days", ids[0]), ("one day", ids[1])):
            median, best = best_ms(lambda i=incident_id: service.compute(session, i), repeat)
            print(
                f"  blast radius ({label}): median {median:.0f} ms (best {best:.0f}); "
                f"full-scan count(*) {scan_ms:.0f} ms; ratio {median / scan_ms:.2f}; "
                f"target <= 500 ms: {'met' if median <= 500 else 'MISSED'}"
            )


def run_sqlite(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/blastwall.db")
        upgrade(engine)
        ids = setup_incidents(engine)
        began = time.perf_counter()
        load_sqlite(engine, [(SYSTEM, count, 1), (OTHER, count // 10, 2)])
        loaded = time.perf_counter() - began
        print(f"sqlite: loaded {count + count // 10:,} traces in {loaded:.0f} s")
        measure("sqlite", engine, ids, repeat)
        engine.dispose()


def run_postgres(count: int, repeat: int) -> None:
    from tests import pg  # noqa: PLC0415  (the suite's throwaway server, Debian's packages)

    server = pg.start()
    try:
        admin = make_engine(server.url("postgres"))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        engine = make_engine(server.url("bench"))
        upgrade(engine)
        ids = setup_incidents(engine)
        began = time.perf_counter()
        load_postgres(engine, [(SYSTEM, count, 1), (OTHER, count // 10, 2)])
        loaded = time.perf_counter() - began
        print(
            f"postgres: loaded {count + count // 10:,} traces in {loaded:.0f} s "
            "(COPY, then VACUUM ANALYZE as autovacuum would)"
        )
        measure("postgres", engine, ids, repeat)
        engine.dispose()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.only != "postgres":
        run_sqlite(args.traces, args.repeat)
    if args.only != "sqlite":
        run_postgres(args.traces, args.repeat)


if __name__ == "__main__":
    main()
