"""Approvals and hand-offs from the console's queue page: a confirmation before a decision,
then the API's own services and audit with the token's name as the actor."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.approvals import service as approvals
from blastwall.approvals.schemas import ApprovalCreate
from blastwall.changes.models import AuditEntry
from blastwall.handoffs import service as handoffs
from blastwall.handoffs.schemas import HandoffCreate
from tests.conftest import SETUP_ACTOR, make_token
from tests.console.conftest import login

pytestmark = pytest.mark.usefixtures("example")


def _request(factory: sessionmaker[Session]) -> int:
    body = ApprovalCreate(
        system="support-agent",
        environment="prod",
        action="issue_refund",
        arguments={"order": "A-1001", "amount": 120.0},
        reason="no validator for issue_refund",
    )
    with factory() as session, session.begin():
        return approvals.create(session, body, SETUP_ACTOR).id


def _handoff(factory: sessionmaker[Session]) -> int:
    body = HandoffCreate(system="support-agent", environment="prod", reason="human_fallback")
    with factory() as session, session.begin():
        return handoffs.create(session, body, SETUP_ACTOR).id


def _audit(factory: sessionmaker[Session], action: str) -> list[tuple[str, str, str]]:
    with factory() as session:
        found = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [(a.actor, a.target, a.reason) for a in found]


def test_approving_asks_first_saying_what_happens_then_decides_as_the_token(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    number = _request(session_factory)
    queue = responder.get("/queues").text
    assert f'action="/approvals/{number}/approve"' in queue
    assert f"Deny #{number}…" in queue
    form = {"csrf": responder.headers["X-Test-Csrf"], "reason": "order total matches"}
    asked = responder.post(f"/approvals/{number}/approve", data=form)
    assert asked.status_code == 200
    assert (
        "Approve issue_refund on support-agent/prod with {&#34;amount&#34;: 120.0, "
        f"&#34;order&#34;: &#34;A-1001&#34;}} (request #{number}): the waiting call carries "
        "it out."
    ) in asked.text
    with session_factory() as session:
        assert approvals.get(session, number).status == "pending"  # not before the confirmation

    done = responder.post(
        f"/approvals/{number}/approve", data={**form, "confirm": "yes"}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, "/queues#approvals-h")
    with session_factory() as session:
        decided = approvals.get(session, number)
        assert (decided.status, decided.decided_by) == ("approved", "ana")
    assert _audit(session_factory, "approval.approve") == [
        ("ana", "support-agent/issue_refund", "order total matches")
    ]
    again = responder.post(f"/approvals/{number}/deny", data={**form, "confirm": "yes"})
    assert again.status_code == 409
    assert f"approval request {number} was already approved by ana" in again.text


def test_denying_without_a_reason_is_a_422_page_and_decides_nothing(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    number = _request(session_factory)
    form = {"csrf": responder.headers["X-Test-Csrf"], "reason": "", "confirm": "yes"}
    blank = responder.post(f"/approvals/{number}/deny", data=form)
    assert blank.status_code == 422
    assert "the form is not complete: reason:" in blank.text
    missing = responder.post("/approvals/999/deny", data={**form, "reason": "x"})
    assert missing.status_code == 404
    with session_factory() as session:
        assert approvals.get(session, number).status == "pending"


def test_a_handoff_is_claimed_then_resolved_from_the_queue(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    number = _handoff(session_factory)
    csrf = responder.headers["X-Test-Csrf"]
    claimed = responder.post(f"/handoffs/{number}/claim", data={"csrf": csrf})
    assert claimed.status_code == 200  # the queue page, after the redirect
    assert "claimed by ana" in claimed.text
    blank = responder.post(f"/handoffs/{number}/resolve", data={"csrf": csrf, "resolution": ""})
    assert blank.status_code == 422
    resolved = responder.post(
        f"/handoffs/{number}/resolve",
        data={"csrf": csrf, "resolution": "refund issued by hand"},
        follow_redirects=False,
    )
    assert (resolved.status_code, resolved.headers["location"]) == (303, "/queues#handoffs-h")
    with session_factory() as session:
        done = handoffs.get(session, number)
        assert (done.status, done.resolution) == ("resolved", "refund issued by hand")
    assert [a[0] for a in _audit(session_factory, "handoff.claim")] == ["ana"]


def test_a_viewer_sees_the_queues_without_forms_and_cannot_decide(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    number = _request(session_factory)
    csrf = login(app_client, make_token(session_factory, "vic", Role.viewer))
    assert "/approve" not in app_client.get("/queues").text
    refused = app_client.post(
        f"/approvals/{number}/approve", data={"csrf": csrf, "reason": "x", "confirm": "yes"}
    )
    assert refused.status_code == 403
    assert "vic has role viewer; this needs responder or higher" in refused.text
