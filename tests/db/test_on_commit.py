"""on_commit callbacks run once the outermost transaction commits, never at a savepoint."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.session import on_commit


def test_a_callback_registered_in_a_savepoint_waits_for_the_outer_commit(
    session_factory: sessionmaker[Session],
) -> None:
    ran: list[str] = []
    with session_factory() as session, session.begin():
        with session.begin_nested():
            on_commit(session, lambda: ran.append("announced"))
        assert ran == []  # the savepoint is released, the change is not committed yet
    assert ran == ["announced"]


def test_a_callback_is_dropped_when_the_outer_transaction_rolls_back(
    session_factory: sessionmaker[Session],
) -> None:
    ran: list[str] = []
    with session_factory() as session:
        session.begin()
        with session.begin_nested():
            on_commit(session, lambda: ran.append("announced"))
        session.rollback()
        with session.begin():
            pass
    assert ran == []
