"""An incident opened by an Alertmanager alert pages its on-call like any other."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config_as_code.apply import apply_data
from tests.alerts.factories import RULE, SYSTEM, am_alert, am_payload, setup
from tests.conftest import make_token
from tests.notify.support import ADMIN
from tests.paging.factories import pages, timeline

PAGING = {
    "version": 1,
    "channels": [{"name": "chat", "type": "slack", "webhook_url_env": "CHAT_URL"}],
    "oncall": {
        "people": [{"name": "ben", "slack_user": "U0BEN1"}],
        "escalation_policies": [{"name": "refunds", "levels": [{"targets": [{"person": "ben"}]}]}],
        "coverage": [{"policy": "refunds", "systems": [SYSTEM]}],
    },
}


def test_alertmanager_alert_opens_an_incident_that_pages_the_on_call(
    session_factory: sessionmaker[Session], app_client: TestClient
) -> None:
    setup(session_factory, RULE)
    with session_factory() as session, session.begin():
        apply_data(session, PAGING, actor=ADMIN)
    token = make_token(session_factory, "am", Role.alerts)
    answer = app_client.post(
        "/api/v1/alerts/alertmanager",
        json=am_payload(am_alert("fp-a", service="refunds")),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    incident_id = answer.json()["alerts"][0]["incident_id"]
    assert pages(session_factory, incident_id) == [("incident.paged", "chat", "U0BEN1")]
    assert timeline(session_factory, incident_id, "escalation") == ["Paged ben (level 1) by slack"]
