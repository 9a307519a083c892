"""The tamper-evident audit log: any edit, removal or relink is named by sequence number."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.session import unit_of_work
from blastwall.exceptions import InvalidInput
from blastwall.levers import audit, service
from blastwall.levers.audit import Verification
from tests.levers.factories import ADMIN, make_system


def three_changes(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        make_system(session)
        service.kill(session, "support-bot", actor=ADMIN, reason="one")
        service.change(session, "support-bot", "*", {"safe_mode": True}, actor=ADMIN, reason="two")
        service.restore(session, "support-bot", actor=ADMIN, reason="three")


def verify(factory: sessionmaker[Session]) -> Verification:
    with factory() as session:
        return audit.verify(session)


def test_intact_chain_verifies(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    assert verify(session_factory) == Verification(ok=True, entries=3)


def test_edited_entry_is_named(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    with unit_of_work(session_factory) as session:
        session.execute(text("UPDATE audit_entries SET reason = 'routine' WHERE seq = 2"))
    assert verify(session_factory) == Verification(
        ok=False, entries=1, first_broken_seq=2, problem="its content does not match its hash"
    )


def test_edit_with_a_recomputed_hash_breaks_the_next_link(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    with unit_of_work(session_factory) as session:
        entry = session.get(audit.AuditEntry, 2)
        assert entry is not None
        entry.reason = "routine"
        entry.hash = audit.entry_hash(entry)  # a careful forger re-hashes what they edited
    assert verify(session_factory) == Verification(
        ok=False,
        entries=2,
        first_broken_seq=3,
        problem="its link to the previous entry does not match",
    )


def test_removed_entry_is_named(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    with unit_of_work(session_factory) as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    assert verify(session_factory) == Verification(
        ok=False, entries=1, first_broken_seq=2, problem="entry 2 is missing"
    )


def test_list_pages_in_chain_order(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    with session_factory() as session:
        assert [e.seq for e in audit.list_(session, limit=2)] == [1, 2]
        assert [e.reason for e in audit.list_(session, after_seq=2)] == ["three"]
        with pytest.raises(InvalidInput, match="limit must be between 1 and 1000 \\(got 0\\)"):
            audit.list_(session, limit=0)
        with pytest.raises(InvalidInput, match="after_seq must be 0 or more"):
            audit.list_(session, after_seq=-1)
