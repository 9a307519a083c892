"""The ingest writer commits each batch before it answers, through its own SQLite connection."""

from __future__ import annotations

import json
import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.traces.ingest import IngestResult, Rejection
from blastwall.traces.models import Trace
from blastwall.traces.writer import Writer
from tests.traces.factories import call_event, register_system


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Trace)) or 0


def test_a_written_batch_is_committed_when_ingest_returns(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    register_system(session_factory)
    writer = Writer(engine, session_factory)
    try:
        body = json.dumps([call_event(), call_event(system="ghost"), call_event()]).encode()
        result = writer.ingest(body)
    finally:
        writer.close()
    reason = (
        "system: 'ghost' is not registered; declare it in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`, or fix the system name the SDK is configured with"
    )
    assert result == IngestResult(accepted=2, rejected=[Rejection(1, reason)])
    assert _count(session_factory) == 2


def test_concurrent_batches_are_all_stored(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    register_system(session_factory)
    writer = Writer(engine, session_factory)
    bodies = [json.dumps([call_event() for _ in range(20)]).encode() for _ in range(8)]
    results: list[IngestResult] = []
    threads = [
        threading.Thread(target=lambda b=b: results.append(writer.ingest(b))) for b in bodies
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        writer.close()
    assert [r.accepted for r in results] == [20] * 8
    assert _count(session_factory) == 160
