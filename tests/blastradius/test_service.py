"""The blast radius counts exactly the production traces of the incident's systems in its window."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from blastwall.blastradius import service
from blastwall.blastradius.schemas import ActionCount
from blastwall.incidents import service as incidents
from blastwall.incidents.schemas import IncidentUpdate
from tests.blastradius.factories import SIGNALLED, join_signal, seed, trace
from tests.incidents.factories import RESPONDER, at


def test_counts_users_traces_labels_and_fired_actions_in_the_window(session: Session) -> None:
    incident = seed(session)
    radius = service.compute(session, incident.id, now=at(60))
    assert (radius.systems, radius.start, radius.end) == (["refund-bot"], at(0), at(60))
    assert (radius.users, radius.traces) == (2, 4)
    assert radius.outputs_by_label == {"fraud": 2, "(none)": 1, "refund": 1}
    assert (radius.irreversible_actions, radius.reversible_actions) == (2, 1)
    assert radius.actions == [
        ActionCount(name="hold_account", reversible=False, fired=2),
        ActionCount(name="send_email", reversible=True, fired=1),
    ]
    assert [(e.trace_id, e.user_id) for e in radius.examples] == [
        ("refund-bot-10", "u1"),
        ("refund-bot-20", "u2"),
        ("refund-bot-30", "u1"),
        ("refund-bot-40", None),
    ]
    assert list(service.affected_users(session, incident.id, now=at(60))) == ["u1", "u2"]


def test_a_start_moved_earlier_and_a_signalled_system_widen_it(session: Session) -> None:
    incident = seed(session)
    incidents.update(session, incident.id, IncidentUpdate(started_at=at(-45)), RESPONDER)
    join_signal(session, incident)
    radius = service.compute(session, incident.id, now=at(60), examples=2)
    assert (radius.systems, radius.start) == (["refund-bot", "mail-bot"], at(-45))
    assert (radius.users, radius.traces) == (4, 6)
    assert radius.outputs_by_label == {"fraud": 3, "(none)": 1, "refund": 1, "spam": 1}
    assert (radius.irreversible_actions, radius.reversible_actions) == (2, 2)
    assert [e.trace_id for e in radius.examples] == ["refund-bot--30", "refund-bot-10"]
    users = list(service.affected_users(session, incident.id, now=at(60)))
    assert users == ["u1", "u2", "u5", "u8"]


def test_an_explicit_window_overrides_the_incidents(session: Session) -> None:
    incident = seed(session)
    radius = service.compute(session, incident.id, start=at(15), end=at(35))
    assert (radius.start, radius.end, radius.users, radius.traces) == (at(15), at(35), 2, 2)
    assert radius.irreversible_actions == 1
    assert list(service.affected_users(session, incident.id, start=at(85), end=at(95))) == ["u6"]


def test_a_user_reached_through_two_systems_counts_once_whichever_index_reads_it(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = seed(session)
    join_signal(session, incident)
    trace(session, 35, system=SIGNALLED, user="u1", label="spam")
    answers = []
    # 1 row: SQLite counts the window "wide" and reads the covering indexes; the default
    # reads this narrow window by time. PostgreSQL's planner chooses either way.
    for narrow_rows in (1, service.NARROW_ROWS):
        monkeypatch.setattr(service, "NARROW_ROWS", narrow_rows)
        radius = service.compute(session, incident.id, now=at(60))
        users = list(service.affected_users(session, incident.id, now=at(60)))
        answers.append((radius.users, radius.traces, radius.outputs_by_label, users))
    expected = (3, 6, {"fraud": 2, "spam": 2, "(none)": 1, "refund": 1}, ["u1", "u2", "u8"])
    assert answers == [expected, expected]
