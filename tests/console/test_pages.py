"""Each console page renders what it must from real data, and errors render as pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.incidents import service as incidents
from blastwall.incidents.schemas import IncidentCreate
from blastwall.levers import service as levers
from blastwall.regulatory import regimes, reports
from blastwall.regulatory.enums import Regime
from blastwall.regulatory.schemas import RegimeSpec
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
        "Regulator clocks",
        "Status updates",
        "Notices to affected users",
        "Regulator reports",
        "Postmortem",
        "Action items",
    ):
        assert f">{heading}</h2>" in page
    assert (
        "support-agent (all environments): killed off -&gt; on. Why: fraud share 2% -&gt; 9%"
        in page
    )
    assert "Not in this version" not in page  # every section is wired
    assert f"No update posted yet: <code>blastwall incident update {incident_id} --message" in page
    # No trace reached a user in the window: the default notice rule does not apply.
    assert "No notice required: 0 affected user(s), fewer than the rule&#39;s 1." in page
    assert (
        f"No notice sent or exported: <code>blastwall incident notice {incident_id}</code>" in page
    )
    assert "No regulator regime applies to this incident's system" in page
    assert f"No report drafted yet: <code>blastwall report draft {incident_id} --regime" in page
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


def test_incident_page_shows_regulator_clocks_and_report_lineage(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    incident_id = _incident(session_factory)
    with session_factory() as session, session.begin():
        spec = RegimeSpec(name=Regime.eu_ai_act, effective=date(2026, 1, 1))
        regimes.replace(session, "support-agent", [spec], SETUP_ACTOR)
        incident = incidents.get(session, incident_id)
        detected = incident.detected_at
        first = reports.draft(session, incident_id, Regime.eu_ai_act, SETUP_ACTOR)
        second = reports.draft(session, incident_id, Regime.eu_ai_act, SETUP_ACTOR)
    page = responder.get(f"/incidents/{incident_id}").text
    clocks = page[page.index('id="clocks"') : page.index('id="reports"')]
    stamp = "%Y-%m-%d %H:%M:%S UTC"
    assert "<td>EU AI Act Art. 73 initial</td>" in clocks
    assert f"<td>awareness {detected.strftime(stamp)}</td>" in clocks
    assert f"<td>{(detected + timedelta(days=15)).strftime(stamp)}</td>" in clocks
    assert "<td>running <span" in clocks
    lineage = page[page.index('id="reports"') : page.index('id="postmortem"')]
    assert f'#{first.id} v1 <span class="muted">(superseded)</span>' in lineage
    assert f"#{second.id} v2</td>" in lineage
    assert lineage.count("not submitted") == 2
