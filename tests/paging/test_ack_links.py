"""Acknowledging a page: the signed link (GET asks, POST acknowledges), the API, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.config import Settings, get_settings
from blastwall.exceptions import Forbidden
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm
from blastwall.incidents.schemas import IncidentCreate
from blastwall.paging import links
from tests.notify.support import RESPONDER as ALICE
from tests.notify.support import open_incident
from tests.paging.factories import SUPPORT, configure, escalation, messages, timeline


def _paged(factory: sessionmaker[Session]) -> tuple[int, str]:
    """An incident that paged ana, and the path of the acknowledge link in her e-mail."""
    configure(factory)
    with factory() as session, session.begin():
        body = IncidentCreate(title="Refunds issued", system=SUPPORT, harm=Harm.major)
        incident_id = incidents.open(session, body, ALICE).id
    href = messages(factory, incident_id)[0].links[0].href
    return incident_id, href.removeprefix("https://bw.example.com")


def test_link_get_asks_and_changes_nothing(
    session_factory: sessionmaker[Session], app_client: TestClient
) -> None:
    incident_id, path = _paged(session_factory)
    response = app_client.get(path)
    assert response.status_code == 200
    assert f"Acknowledge incident #{incident_id}?" in response.text
    assert "Acknowledge as ana</button>" in response.text
    assert escalation(session_factory, incident_id).stopped_at is None


def test_link_post_acknowledges_as_the_paged_person(
    session_factory: sessionmaker[Session], app_client: TestClient
) -> None:
    incident_id, path = _paged(session_factory)
    response = app_client.post(path)
    assert response.status_code == 200
    assert "acknowledged by ana; escalation stopped. Commander: ana." in response.text
    assert escalation(session_factory, incident_id).stopped_why == "acknowledged by ana"
    with session_factory() as session:
        incident = incidents.get(session, incident_id)
        assert (incident.commander, incident.acknowledged_at is not None) == ("ana", True)
    assert timeline(session_factory, incident_id, "ana")[0] == (
        "acknowledged by ana: via the acknowledge link in a page"
    )


def test_tampered_link_is_refused(
    session_factory: sessionmaker[Session], app_client: TestClient
) -> None:
    incident_id, path = _paged(session_factory)
    # The signature's first character (its last one carries padding bits, so changing it
    # may decode to the same bytes).
    head, _, signature = path.rpartition(".")
    tampered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for method in (app_client.get, app_client.post):
        response = method(tampered)
        assert response.status_code == 403
        assert response.json()["detail"] == (
            "this acknowledge link is not valid (changed, or signed with another secret): open "
            "the link from the page exactly, or acknowledge with `blastwall incident ack ID`"
        )
    assert escalation(session_factory, incident_id).stopped_at is None


def test_link_for_another_incident_is_refused(
    session_factory: sessionmaker[Session], app_client: TestClient
) -> None:
    incident_id, path = _paged(session_factory)
    token = path.removeprefix("/ack/")
    forged = token.replace(f"{incident_id}:ana", f"{incident_id + 1}:ana", 1)
    assert app_client.post(f"/ack/{forged}").status_code == 403


def test_expired_link_is_refused(
    session_factory: sessionmaker[Session], app_client: TestClient
) -> None:
    incident_id, _ = _paged(session_factory)
    long_ago = datetime.now(UTC) - timedelta(hours=24, seconds=5)
    href = links.url(get_settings(), incident_id, "ana", long_ago)
    assert href is not None
    response = app_client.post(href.removeprefix("https://bw.example.com"))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "this acknowledge link expired (links are valid 24 h after the page): acknowledge "
        "with `blastwall incident ack ID`"
    )
    assert escalation(session_factory, incident_id).stopped_at is None


def test_without_a_secret_pages_carry_no_link_and_links_are_refused(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLASTWALL_ACK_LINK_SECRET")
    get_settings.cache_clear()
    configure(session_factory)
    with session_factory() as session, session.begin():
        incident_id = open_incident(session, system=SUPPORT).change.incident_id
    assert incident_id is not None
    assert [m.links for m in messages(session_factory, incident_id)] == [[], []]
    with pytest.raises(Forbidden, match="acknowledge links are turned off on this server"):
        links.verify(Settings(), "1:ana.x.y", datetime.now(UTC))


def test_short_secret_is_refused_with_how_to_fix() -> None:
    with pytest.raises(ValueError, match="BLASTWALL_ACK_LINK_SECRET must be at least 32"):
        Settings(ack_link_secret="short")


def test_api_acknowledge_stops_escalation(
    session_factory: sessionmaker[Session], client: TestClient
) -> None:
    incident_id, _ = _paged(session_factory)
    response = client.post(f"/api/v1/incidents/{incident_id}/acknowledge", json={})
    assert response.status_code == 200, response.text
    assert escalation(session_factory, incident_id).stopped_why == "acknowledged by root"
