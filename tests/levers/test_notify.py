"""Lever streams hear of a change once it commits, through the after-commit subscriber."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.session import unit_of_work
from blastwall.levers import notify, service
from tests.levers.factories import ADMIN, make_system


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    revisions: list[int] = []
    monkeypatch.setattr(notify, "announce", revisions.append)
    return revisions


def test_a_committed_lever_change_announces_its_revision(
    session_factory: sessionmaker[Session], heard: list[int]
) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)
    with unit_of_work(session_factory) as session:
        service.kill(session, "support-bot", actor=ADMIN, reason="PII leak")
        assert heard == []  # not before the commit
    assert heard == [1]


def test_a_rolled_back_or_no_op_change_announces_nothing(
    session_factory: sessionmaker[Session], heard: list[int]
) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)
    with session_factory() as session, session.begin():
        service.kill(session, "support-bot", actor=ADMIN, reason="PII leak")
        session.rollback()
    with unit_of_work(session_factory) as session:
        service.restore(session, "support-bot", actor=ADMIN, reason="nothing is pulled")
    assert heard == []
