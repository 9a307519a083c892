"""Concurrent lever changes lose no audit entry and never reuse a revision (both databases)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes import audit_verify
from blastwall.changes.audit_verify import Verification
from blastwall.changes.models import AuditEntry
from blastwall.db.session import unit_of_work
from blastwall.levers import service
from tests.levers.factories import ADMIN, make_system

THREADS = 8
CHANGES = 10
SCOPES = [("support-bot", "*"), ("support-bot", "prod"), ("refund-classifier", "staging")]


def test_parallel_changes_get_unique_revisions_and_a_whole_chain(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session, "support-bot")
        make_system(session, "refund-classifier")
    start = threading.Barrier(THREADS)

    def worker(thread: int) -> list[int]:
        start.wait()
        revisions = []
        for i in range(CHANGES):
            system, environment = SCOPES[(thread + i) % len(SCOPES)]
            with unit_of_work(session_factory) as session:
                result = service.change(
                    session,
                    system,
                    environment,
                    {"reroute_model": f"model-{thread}-{i}"},
                    actor=ADMIN,
                    reason=f"thread {thread} change {i}",
                )
                revisions.append(result.state.revision)
        return revisions

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))

    total = THREADS * CHANGES
    assert sorted(r for rs in results for r in rs) == list(range(1, total + 1))
    with session_factory() as session:
        assert service.current_revision(session) == total
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == total
        assert audit_verify.verify(session) == Verification(ok=True, entries=total, counter=total)
        after_revisions = sorted(
            e.after["revision"] for e in session.scalars(select(AuditEntry)) if e.after
        )
        assert after_revisions == list(range(1, total + 1))
        assert sorted((s.system.name, s.environment) for s in service.since(session, 0)) == sorted(
            SCOPES
        )
