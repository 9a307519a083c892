"""Evidence hold: on by default at severity 1, flags every change to the held system, and
refuses one without a reason when the hold requires it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.incidents import hold
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.incidents.schemas import IncidentUpdate
from tests.conftest import make_token
from tests.incidents.factories import RESPONDER, incident_data, make_system

OPS = Actor(name="olga", role=Role.commander)


def _kill(reason: str = "") -> Change:
    return Change(
        action="lever.kill", target="refund-bot/prod", actor=OPS, reason=reason, system="refund-bot"
    )


def _entries(session: Session, incident: Incident, kind: str) -> list[str]:
    query = select(TimelineEntry.message).where(
        TimelineEntry.incident_id == incident.id, TimelineEntry.kind == kind
    )
    return list(session.scalars(query.order_by(TimelineEntry.id)))


def test_severity_one_opens_under_hold_and_changes_to_the_system_are_flagged(
    session: Session,
) -> None:
    make_system(session)  # an irreversible action: moderate harm is severity 1
    make_system(session, "quiet-bot").hold_severity = 0
    held = incidents.open(session, incident_data(system="refund-bot"), RESPONDER)
    not_held = incidents.open(session, incident_data(system="quiet-bot"), RESPONDER)
    assert (held.severity, held.evidence_hold, held.hold_requires_reason) == (1, True, False)
    assert (not_held.severity, not_held.evidence_hold) == (1, False)
    record(session, _kill("PII leak"))
    record(session, Change(action="release.activate", target="quiet-bot@r2", actor=OPS))
    record(session, Change(action="system.update", target="refund-bot", actor=OPS))
    record(session, Change(action="incident.note", target="x", actor=OPS, system="refund-bot"))
    assert _entries(session, held, "opened")[0].endswith(
        "; evidence hold on (EU AI Act Art. 73(6))"
    )
    assert _entries(session, held, "hold") == [
        "lever.kill on refund-bot/prod by olga made under evidence hold (EU AI Act Art. "
        "73(6)). Why: PII leak",
        "system.update on refund-bot by olga made under evidence hold (EU AI Act Art. 73(6)).",
    ]
    assert _entries(session, not_held, "hold") == []


def test_a_hold_that_requires_a_reason_refuses_a_change_without_one(session: Session) -> None:
    make_system(session)
    incident = incidents.open(session, incident_data(system="refund-bot"), RESPONDER)
    hold.hold(session, incident.id, OPS, require_reason=True, reason="authority not yet told")
    with pytest.raises(hold.ReasonRequired) as refused:
        record(session, _kill())
    assert str(refused.value) == (
        f"refund-bot is under evidence hold for incident #{incident.id} (EU AI Act Art. 73(6)), "
        "which requires a reason for every change to it: retry lever.kill with a reason "
        '(--reason / "reason"), or release the hold once the authority is told'
    )
    with pytest.raises(InvalidInput, match="needs a reason"):
        hold.release(session, incident.id, OPS, reason=" ")
    hold.release(session, incident.id, OPS, reason="initial report sent")
    record(session, _kill())  # no hold, no reason needed
    with pytest.raises(Conflict, match="is not under evidence hold"):
        hold.release(session, incident.id, OPS, reason="again")
    assert _entries(session, incident, "hold")[-1] == (
        "evidence hold released. Why: initial report sent"
    )


def test_hold_routes_respect_roles_and_a_refused_change_is_a_409(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        make_system(session).hold_severity = 0
        incident_id = incidents.open(session, incident_data(system="refund-bot"), RESPONDER).id
    responder = {"Authorization": f"Bearer {make_token(session_factory, 'rex', Role.responder)}"}
    url = f"/api/v1/incidents/{incident_id}"
    assert client.get(url + "/evidence").json()["evidence_hold"] is False
    body = client.post(url + "/hold", json={"require_reason": True}, headers=responder).json()
    assert (body["evidence_hold"], body["hold_requires_reason"], body["held"]) == (True, True, True)
    spec = {
        "name": "refund-bot",
        "owner": "payments",
        "risk_tier": "high",
        "environments": ["prod"],
        "description": "changed while held",
    }
    refused = client.put("/api/v1/systems/refund-bot", json=spec)
    assert refused.status_code == 409
    assert refused.json()["title"] == "Reason required under evidence hold"
    kill = {"environment": "prod", "set": {"killed": True}, "reason": "stop it"}
    allowed = client.post("/api/v1/systems/refund-bot/levers", json=kill)
    assert allowed.status_code == 200, allowed.text
    release = client.post(url + "/hold/release", json={"reason": "told"}, headers=responder)
    assert release.status_code == 403
    bad = client.post(url + "/hold/release", json={})
    assert bad.status_code == 422
    released = client.post(url + "/hold/release", json={"reason": "told"})
    assert released.json()["evidence_hold"] is False


def test_a_severity_raised_to_one_puts_the_incident_under_hold(session: Session) -> None:
    make_system(session)  # irreversible refunds: minor harm is severity 2, moderate 1
    incident = incidents.open(session, incident_data(system="refund-bot", harm="minor"), RESPONDER)
    assert (incident.severity, incident.evidence_hold) == (2, False)
    incidents.update(session, incident.id, IncidentUpdate(harm="moderate"), OPS)
    assert (incident.severity, incident.evidence_hold) == (1, True)
    [update, *_] = _entries(session, incident, "update")
    assert (
        update
        == "harm: minor -> moderate; severity: 2 -> 1; evidence hold on (EU AI Act Art. 73(6))"
    )
    held = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "incident.hold").order_by(AuditEntry.seq)
    ).all()
    assert [(a.actor, a.reason) for a in held] == [
        ("evidence-hold", "severity raised to 1: under evidence hold")
    ]
    # Lowered again, the hold stays: a person releases it, with a reason.
    incidents.update(session, incident.id, IncidentUpdate(harm="minor"), OPS)
    assert (incident.severity, incident.evidence_hold) == (2, True)
