"""Paging and escalation on both databases: level 1 on open, the next level after its delay,
repeats, and the stops (acknowledge, resolve, policy exhausted)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.incidents import service as incidents
from blastwall.paging import page
from tests.notify.support import open_incident
from tests.paging.factories import (
    SEARCH,
    SUPPORT,
    after,
    configure,
    escalation,
    messages,
    pages,
    tick_at,
    timeline,
)

ALICE = Actor(name="alice", role=Role.responder)
LEVEL_1 = [("incident.paged", "mail", "ana@example.com"), ("incident.paged", "chat", "U0ANA1")]
LEVEL_2 = [("incident.paged", "pd-ops", "PD_KEY_CEM"), ("incident.paged", "chat", "U0BEN1")]


def _open(factory: sessionmaker[Session], system: str | None = SUPPORT, severity: int = 1) -> int:
    with factory() as session, session.begin():
        incident_id = open_incident(session, system=system, severity=severity).change.incident_id
    assert incident_id is not None
    return incident_id


def _resolve(factory: sessionmaker[Session], incident_id: int) -> None:
    """Mitigate (a severity 1 incident is contained or mitigated first), then resolve."""
    with factory() as session, session.begin():
        incidents.transition(session, incident_id, "mitigated", ALICE)
        incidents.resolve(session, incident_id, ALICE)


def test_open_pages_level_one_on_each_contact_method(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory)
    incident_id = _open(session_factory)
    assert pages(session_factory, incident_id) == LEVEL_1
    mail, chat = messages(session_factory, incident_id)
    assert (mail.event, mail.key, mail.recipient, chat.recipient) == (
        "incident.paged",
        f"incident-{incident_id}",
        "ana@example.com",
        "U0ANA1",
    )
    assert mail.summary == (
        f"Ana Lima, you are paged (level 1) for incident #{incident_id}, severity 1: "
        "Refunds issued without approval"
    )
    assert [link.text for link in mail.links] == ["Acknowledge"]
    assert mail.links[0].href.startswith("https://bw.example.com/ack/")
    row = escalation(session_factory, incident_id)
    assert (row.policy, row.level, row.round, row.stopped_at) == ("support", 1, 0, None)
    assert row.next_escalation_at == row.paged_at + timedelta(minutes=10)
    assert timeline(session_factory, incident_id, "escalation") == [
        "Paged ana (level 1) by e-mail, slack"
    ]


def test_no_ack_pages_level_two_after_its_delay_and_not_before(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory)
    incident_id = _open(session_factory)
    first = escalation(session_factory, incident_id)
    tick_at(session_factory, first.paged_at + timedelta(minutes=9, seconds=59))
    assert pages(session_factory, incident_id) == LEVEL_1
    tick_at(session_factory, after(first, 10))
    assert pages(session_factory, incident_id) == LEVEL_1 + LEVEL_2
    row = escalation(session_factory, incident_id)
    assert (row.level, row.round, row.paged_at) == (2, 0, after(first, 10))
    assert row.next_escalation_at == row.paged_at + timedelta(minutes=20)
    assert timeline(session_factory, incident_id, "escalation")[1:] == [
        "Paged cem (level 2) by pagerduty",
        "Paged ben (level 2) by slack",
    ]


def test_repeat_runs_the_levels_again_then_stops(session_factory: sessionmaker[Session]) -> None:
    configure(session_factory)
    incident_id = _open(session_factory)
    for minutes in (10, 20, 10, 20):  # level 2, repeat level 1, repeat level 2, exhausted
        tick_at(session_factory, after(escalation(session_factory, incident_id), minutes))
    row = escalation(session_factory, incident_id)
    assert (row.level, row.round, row.next_escalation_at) == (2, 1, None)
    assert row.stopped_why == "nobody acknowledged after 2 round(s) of policy support"
    assert pages(session_factory, incident_id) == LEVEL_1 + LEVEL_2 + LEVEL_1 + LEVEL_2
    assert timeline(session_factory, incident_id, "escalation") == [
        "Paged ana (level 1) by e-mail, slack",
        "Paged cem (level 2) by pagerduty",
        "Paged ben (level 2) by slack",
        "Paged ana (level 1, repeat 1) by e-mail, slack",
        "Paged cem (level 2, repeat 1) by pagerduty",
        "Paged ben (level 2, repeat 1) by slack",
        "Escalation stopped: nobody acknowledged after 2 round(s) of policy support",
    ]
    tick_at(session_factory, row.paged_at + timedelta(days=1))
    assert len(pages(session_factory, incident_id)) == 8


def test_acknowledge_stops_escalation(session_factory: sessionmaker[Session]) -> None:
    configure(session_factory)
    incident_id = _open(session_factory)
    first = escalation(session_factory, incident_id)
    with session_factory() as session, session.begin():
        incidents.acknowledge(session, incident_id, ALICE)
    row = escalation(session_factory, incident_id)
    assert (row.stopped_why, row.next_escalation_at) == ("acknowledged by alice", None)
    tick_at(session_factory, after(first, 60))
    assert pages(session_factory, incident_id) == LEVEL_1  # nobody paged after it


def test_resolve_stops_escalation_and_resolves_the_paged_pagerduty_key(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory)
    incident_id = _open(session_factory)
    tick_at(session_factory, after(escalation(session_factory, incident_id), 10))
    _resolve(session_factory, incident_id)
    row = escalation(session_factory, incident_id)
    assert row.stopped_why == "resolved by alice"
    assert pages(session_factory, incident_id) == [
        *LEVEL_1,
        *LEVEL_2,
        ("incident.resolved", "pd-ops", "PD_KEY_CEM"),
    ]
    resolved = messages(session_factory, incident_id)[-1]
    assert (resolved.key, resolved.status) == (f"incident-{incident_id}", "resolved")


def test_pagerduty_service_policy_sends_one_trigger_and_one_resolve(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory)
    incident_id = _open(session_factory, system=SEARCH)
    assert pages(session_factory, incident_id) == [("incident.paged", "pd-ops", "")]
    row = escalation(session_factory, incident_id)
    assert (row.policy, row.next_escalation_at) == ("search", None)
    assert timeline(session_factory, incident_id, "escalation") == [
        "Paged PagerDuty service pd-ops (policy search); PagerDuty escalates"
    ]
    _resolve(session_factory, incident_id)
    # The route search-pd queued the resolve for this change; paging does not add a second.
    assert pages(session_factory, incident_id) == [
        ("incident.paged", "pd-ops", ""),
        ("incident.resolved", "pd-ops", ""),
    ]


def test_pagerduty_service_policy_gets_its_resolve_without_a_route(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory, routes=[])
    incident_id = _open(session_factory, system=SEARCH)
    _resolve(session_factory, incident_id)
    assert pages(session_factory, incident_id) == [
        ("incident.paged", "pd-ops", ""),
        ("incident.resolved", "pd-ops", ""),
    ]


def test_incident_no_policy_covers_pages_nobody(session_factory: sessionmaker[Session]) -> None:
    configure(session_factory)
    incident_id = _open(session_factory, severity=3)  # support covers severities 1 and 2
    assert pages(session_factory, incident_id) == []
    assert timeline(session_factory, incident_id, "escalation") == []


def test_method_without_a_channel_is_said_on_the_timeline(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory, channels=[{"name": "chat", "type": "slack",
                                          "webhook_url_env": "CHAT_URL"}], routes=[])  # fmt: skip
    incident_id = _open(session_factory)
    assert pages(session_factory, incident_id) == [("incident.paged", "chat", "U0ANA1")]
    assert timeline(session_factory, incident_id, "escalation") == [
        "Paged ana (level 1) by slack; no channel can send e-mail (see blastwall notify channels)"
    ]


def test_tick_that_fails_half_way_pages_nobody_twice(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(session_factory)
    incident_id = _open(session_factory)
    first = escalation(session_factory, incident_id)
    real = page.person
    calls = []

    def crash_on_second(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("process died here")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(page, "person", crash_on_second)
    with pytest.raises(RuntimeError, match="process died here"):
        tick_at(session_factory, after(first, 10))
    assert pages(session_factory, incident_id) == LEVEL_1  # cem's page rolled back too
    assert escalation(session_factory, incident_id).level == 1
    monkeypatch.setattr(page, "person", real)
    tick_at(session_factory, after(first, 10))
    tick_at(session_factory, after(first, 11))
    assert pages(session_factory, incident_id) == LEVEL_1 + LEVEL_2


def test_unset_pagerduty_variables_page_nobody_and_say_so(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PD_KEY_CEM")
    monkeypatch.delenv("PD_OPS_KEY")
    configure(session_factory, routes=[])
    support = _open(session_factory)
    tick_at(session_factory, after(escalation(session_factory, support), 10))
    assert pages(session_factory, support) == [*LEVEL_1, ("incident.paged", "chat", "U0BEN1")]
    assert timeline(session_factory, support, "escalation")[1] == (
        "Could not page cem (level 2); no channel can send pagerduty (see blastwall notify "
        "channels)"
    )
    search = _open(session_factory, system=SEARCH)
    assert pages(session_factory, search) == []
    assert timeline(session_factory, search, "escalation") == [
        "Could not page PagerDuty service pd-ops (policy search): the channel is not "
        "configured or cannot send (see blastwall notify channels)"
    ]
