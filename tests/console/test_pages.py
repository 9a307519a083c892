"""Each console page renders what it must from real data, and errors render as pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.incidents import service as incidents
from blastwall.incidents.schemas import IncidentCreate
from blastwall.levers import service as levers
from tests.conftest import SETUP_ACTOR

pytestmark = pytest.mark.usefixtures("example")


def _incident(factory: sessionmaker[Session]) -> int:
    with factory() as session, session.begin():
        opened = incidents.open(
            session,
            IncidentCreate(
                title="Refunds routed to fraud",
                system="support-agent",
                harm="moderate",
                classes=["integrity"],
            ),
            SETUP_ACTOR,
        )
        levers.kill(
            session,
            "support-agent",
            actor=SETUP_ACTOR,
            reason="fraud share 2% -> 9%",
            incident_id=opened.id,
        )
        return opened.id


def test_overview_incident_and_system_pages_show_levers_incidents_and_sections(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    incident_id = _incident(session_factory)

    overview = responder.get("/").text
    assert (
        f'<a href="/incidents/{incident_id}">#{incident_id} Refunds routed to fraud</a>' in overview
    )
    assert "⛔ *: KILLED" in overview
    assert "prod: r1" in overview

    page = responder.get(f"/incidents/{incident_id}").text
    for heading in (
        "Alarms and alerts, with evidence",
        "Levers pulled, rollbacks and verification",
        "Blast radius",
        "Roles",
        "Timeline",
        "Communications ledger",
        "Postmortem",
        "Action items",
    ):
        assert f">{heading}</h2>" in page
    assert (
        "support-agent (all environments): killed off -&gt; on. Why: fraud share 2% -&gt; 9%"
        in page
    )
    assert "Regulator clocks, Status updates, Notices, Regulator reports: not available" in page
    assert "No postmortem yet: <code>blastwall postmortem draft" in page
    assert "No action item for this incident." in page
    assert "— none</strong>" in page  # verification: no alarm on a hand-opened incident

    system = responder.get("/systems/support-agent").text
    assert "⛔ KILLED" in system
    assert 'href="/systems/support-agent/monitors/fraud-share"' in system
    assert "Kill support-agent…" in system  # a responder sees the levers


def test_queue_on_call_monitor_and_audit_pages_render(responder: TestClient) -> None:
    assert ">Waiting for a reviewer (0)</h2>" in responder.get("/review").text
    assert ">Hand-offs to humans (0)</h2>" in responder.get("/queues").text
    assert '<th scope="row">support-agent</th>' in responder.get("/oncall").text
    monitor = responder.get("/systems/support-agent/monitors/fraud-share").text
    assert "No chart yet: the monitor is still learning its baseline." in monitor
    audit = responder.get("/audit?verify=true").text
    assert "✓ Chain verified:" in audit
    assert "token.create" in audit


def test_unknown_things_are_html_404s_that_say_what_to_do(responder: TestClient) -> None:
    missing = responder.get("/incidents/999")
    assert missing.status_code == 404
    assert "incident 999 does not exist; `blastwall incident list` shows them" in missing.text
    assert responder.get("/incidents/abc").status_code == 404
    assert responder.get("/systems/nope").status_code == 404
    assert responder.get("/systems/support-agent/monitors/nope").status_code == 404
    assert responder.get("/systems/a%00b").status_code == 422
