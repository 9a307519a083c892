"""Action items: added, overdue, done (recorded); an item creates a working monitor that the
detection engine runs and that alarms on a seeded stream, and a canary from the incident."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.canaries import service as canaries
from blastwall.changes.models import AuditEntry
from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine
from blastwall.exceptions import Conflict, Forbidden, InvalidInput
from blastwall.incidents import service as incidents
from blastwall.incidents.schemas import IncidentCreate
from blastwall.postmortems import actions, creates
from blastwall.postmortems import service as postmortems
from blastwall.postmortems.enums import ActionStatus
from blastwall.postmortems.schemas import ActionItemCreate
from blastwall.postmortems.text import at as at_
from blastwall.postmortems.text import between, duration
from blastwall.registry import service as registry
from tests.detect.engine_factories import (
    ADMIN,
    Factory,
    alarms,
    call,
    classifier_calls,
    monitor,
    push,
    register,
    tick,
)
from tests.incidents.factories import incident_data
from tests.postmortems.factories import COMMANDER, RESPONDER, T0, at, incident, released_system


def item(incident_id: int, **fields: object) -> ActionItemCreate:
    body = {
        "incident_id": incident_id,
        "title": "Watch the label share",
        "owner": "dana",
        "due": "2025-01-10",
        "category": "detection_gap",
        **fields,
    }
    return ActionItemCreate.model_validate(body)


def test_items_are_overdue_after_their_due_date_until_done(session: Session) -> None:
    released_system(session)
    opened = incident(session)
    late = actions.add(session, item(opened.id), RESPONDER)
    soon = actions.add(
        session, item(opened.id, due="2025-01-20", category="slow_containment"), RESPONDER
    )
    now = at(60 * 24 * 12)  # 2025-01-13: the first item is three days late

    postmortem = postmortems.draft(session, opened.id, RESPONDER)
    session.refresh(late)
    assert (late.postmortem_id, soon.postmortem_id) == (postmortem.id, postmortem.id)
    overdue = actions.list_(session, overdue=True, now=now).items
    assert [(i.id, i.creates, i.due) for i in overdue] == [(late.id, "monitor", date(2025, 1, 10))]
    assert (actions.is_overdue(late, now), actions.is_overdue(soon, now)) == (True, False)
    actions.done(session, late.id, RESPONDER, resolution="monitor fraud-share added")
    assert actions.list_(session, overdue=True, now=now).items == []
    assert [i.id for i in actions.list_(session, status=ActionStatus.open).items] == [soon.id]
    with pytest.raises(Conflict, match=f"action item {late.id} is already done \\(by rita\\)"):
        actions.done(session, late.id, RESPONDER)
    assert [e.message for e in opened.timeline if e.kind == "action_item"] == [
        f"action item {late.id} added: Watch the label share (detection_gap, owner dana, "
        "due 2025-01-10)",
        f"action item {soon.id} added: Watch the label share (slow_containment, owner dana, "
        "due 2025-01-20)",
        f"action item {late.id} done: Watch the label share (monitor fraud-share added)",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"due": "13/01/2025"},
            "due\n  Value error, must be a date written YYYY-MM-DD, e.g. 2026-12-20",
        ),
        (
            {"due": 20250110},
            "due\n  Value error, must be a date written YYYY-MM-DD, e.g. 2026-12-20",
        ),
        ({"category": "laziness"}, "category\n  Input should be 'detection_gap', 'rollback_gap'"),
        ({"owner": "  "}, "owner\n  Value error, must not be blank"),
    ],
)
def test_a_bad_item_says_which_field_and_how_to_fix_it(
    body: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        item(1, **body)


def test_an_item_creates_a_monitor_that_the_engine_runs_and_alarms_on(
    session_factory: Factory,
) -> None:
    register(session_factory)
    push(session_factory, classifier_calls(1000, change=10**6))  # the incident's traffic
    with unit_of_work(session_factory) as session:
        opened = incidents.open(
            session,
            _incident(),
            ADMIN,
            detected_at=T0 + timedelta(seconds=2),
        )
        added = actions.add(session, item(opened.id), RESPONDER)
        prefill = creates.monitor_prefill(session, added, opened)
        made = creates.create(session, added.id, COMMANDER, {"reference": {"observations": 2000}})
        created = made.created
    assert prefill == {
        "name": f"incident-{opened.id}-item-{added.id}",
        "description": f"From action item {added.id} of incident {opened.id}: "
        "Watch the label share",
        "classes": ["integrity"],
        "harm": "moderate",
        "signal": "output_category",
        "params": {"categories": ["approve", "escalate", "fraud", "refund"]},
    }
    assert created is not None
    watcher = monitor(session_factory, created["id"])
    assert (watcher.name, watcher.enabled, watcher.signal) == (
        prefill["name"],
        True,
        "output_category",
    )

    engine = Engine(settle_s=0)
    push(session_factory, classifier_calls(4500, change=3000, first=1000))
    tick(session_factory, engine)
    [alarm] = alarms(session_factory)
    assert (alarm.monitor, alarm.signal, alarm.incident_id) == (
        prefill["name"],
        "output_category",
        opened.id,
    )
    with unit_of_work(session_factory) as session, pytest.raises(Conflict, match="already created"):
        creates.create(session, added.id, COMMANDER)

    # The postmortem names the alarm, and the next item copies the monitor that fired.
    with unit_of_work(session_factory) as session:
        detection = postmortems.body(postmortems.draft(session, opened.id, RESPONDER))["detection"]
        again = actions.add(session, item(opened.id), RESPONDER)
        copied = creates.monitor_prefill(session, again, incidents.get(session, opened.id))
    assert (
        f"- Monitor `{prefill['name']}` (output_category) alarmed at {at_(alarm.at)}: "
        f"{alarm.description}\n  - It estimated the change began at {at_(alarm.change_at)} "
        f"({duration(between(T0, alarm.change_at))} from the estimated start) and needed "
        f"{alarm.change_observations} observations of it to alarm (false-alarm rate "
        f"{alarm.false_alarm_rate:g})."
    ) in detection
    assert (
        f"- `{prefill['name']}` took {duration(between(alarm.change_at, alarm.at))} from the "
        "estimated change to its alarm"
    ) in detection
    assert {k: copied[k] for k in ("signal", "params", "reference", "environment")} == {
        "signal": "output_category",
        "params": {"categories": ["approve", "escalate", "fraud", "refund"]},
        "reference": {"kind": "release", "observations": 2000},
        "environment": None,
    }


def _incident() -> IncidentCreate:
    return incident_data(system="refund-bot", started_at=T0.isoformat())


def test_an_item_creates_a_canary_from_the_incident_inputs(session_factory: Factory) -> None:
    register(session_factory)
    push(session_factory, [call(i, input=f"refund order {i}") for i in range(3)])
    with unit_of_work(session_factory) as session:
        opened = incidents.open(session, _incident(), ADMIN, detected_at=T0 + timedelta(seconds=1))
        added = actions.add(session, item(opened.id, category="other", creates="canary"), RESPONDER)
        with pytest.raises(InvalidInput, match=r"spec\.check: a canary needs to know"):
            creates.create(session, added.id, COMMANDER)
    with unit_of_work(session_factory) as session:
        creates.create(
            session, added.id, COMMANDER, {"check": {"kind": "label", "value": "approve"}}
        )
        stored = canaries.get_set(session, "refund-bot", f"incident-{opened.id}-item-{added.id}")
        assert [(c["name"], c["prompt"], c["check"]) for c in stored.cases] == [
            (f"case-{n}", f"refund order {n - 1}", {"kind": "label", "value": "approve"})
            for n in (1, 2, 3)
        ]


def test_a_blast_radius_item_gates_the_action_that_fired_most(session_factory: Factory) -> None:
    register(session_factory)
    fired = {"reversible": True, "status": "fired", "gate": None, "reason": None}
    push(
        session_factory,
        [call(i, actions=[{"name": "issue_refund", **fired}]) for i in range(3)]
        + [call(3, actions=[{"name": "send_email", **fired}])],
    )
    with unit_of_work(session_factory) as session:
        opened = incidents.open(session, _incident(), ADMIN, detected_at=T0 + timedelta(seconds=1))
        added = actions.add(session, item(opened.id, category="blast_radius"), RESPONDER)
        with pytest.raises(Forbidden, match="system's inventory, which needs the admin role"):
            creates.create(session, added.id, COMMANDER)
        with pytest.raises(InvalidInput, match=r"spec\.approval: a gate takes only action"):
            creates.create(session, added.id, ADMIN, {"approval": True})
    with unit_of_work(session_factory) as session:
        made = creates.create(session, added.id, ADMIN)
        assert (added.creates, made.created) == (
            "gate",
            {
                "kind": "gate",
                "system": "refund-bot",
                "name": "issue_refund",
                "sdk": 'guard.declare_action("issue_refund", reversible=False)',
            },
        )
        system = registry.get_by_name(session, "refund-bot")
        assert [(a.name, a.reversible, a.description) for a in system.actions] == [
            (
                "issue_refund",
                False,
                f"Gated after incident {opened.id} (action item {added.id}): Watch the label share",
            )
        ]
        audited = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert audited[-2:] == ["system.update", "action_item.create"]
