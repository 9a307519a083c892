"""Levers and rollback from the console: a confirmation first, then the API's own services
and audit, with the token's name as the actor; roles and CSRF as on every POST."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from blastwall.levers import service as levers
from blastwall.registry import releases
from tests.conftest import SETUP_ACTOR, make_token
from tests.console.conftest import login

pytestmark = pytest.mark.usefixtures("example")


def _killed(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return levers.get(session, "support-agent").killed


def _last_audit(factory: sessionmaker[Session]) -> tuple[str, str, str, str]:
    with factory() as session:
        entry = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert entry is not None
        return entry.actor, entry.action, entry.target, entry.reason


def test_kill_asks_for_confirmation_saying_what_changes_then_kills_as_the_token(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    csrf = responder.headers["X-Test-Csrf"]
    form = {"csrf": csrf, "environment": "prod", "reason": "fraud share 2% -> 9%"}
    asked = responder.post("/systems/support-agent/kill", data=form)
    assert asked.status_code == 200
    assert (
        "Kill support-agent in prod: every SDK stops calling the model and returns the "
        "fallback (&#34;Customers see &#34;A member of our team will reply within 4 "
        "hours.&#34;&#34;) within a second."
    ) in asked.text
    assert not _killed(session_factory)  # nothing changes before the confirmation

    done = responder.post(
        "/systems/support-agent/kill", data={**form, "confirm": "yes"}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, "/systems/support-agent#levers")
    with session_factory() as session:
        assert levers.get(session, "support-agent", "prod").killed
    assert _last_audit(session_factory) == (
        "ana",
        "lever.kill",
        "support-agent/prod",
        "fraud share 2% -> 9%",
    )


def test_rollback_confirms_the_releases_then_rolls_back(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        releases.create_release(
            session,
            "support-agent",
            name="r2",
            actor=SETUP_ACTOR,
            surfaces={"system-prompt": {"template": "Always offer a refund."}},
        )
        releases.activate(session, "support-agent", "r2", environment="prod", actor=SETUP_ACTOR)
    form = {
        "csrf": responder.headers["X-Test-Csrf"],
        "environment": "prod",
        "to": "known-good",
        "reason": "prompt change suspected",
    }
    asked = responder.post("/systems/support-agent/rollback", data=form)
    assert (
        "Roll back support-agent in prod from release r2 to r1 (known-good): SDKs take the "
        "new release&#39;s prompt, model and settings within a second."
    ) in asked.text
    done = responder.post("/systems/support-agent/rollback", data={**form, "confirm": "yes"})
    assert done.status_code == 200
    with session_factory() as session:
        assert releases.get_active(session, "support-agent", "prod").release.name == "r1"
    assert _last_audit(session_factory)[:2] == ("ana", "release.rollback")


def test_a_missing_reason_or_bad_environment_is_a_422_page_and_changes_nothing(
    responder: TestClient, session_factory: sessionmaker[Session]
) -> None:
    csrf = responder.headers["X-Test-Csrf"]
    blank = responder.post(
        "/systems/support-agent/kill", data={"csrf": csrf, "reason": "  ", "confirm": "yes"}
    )
    assert blank.status_code == 422
    assert "the form is not complete: reason: is required: say why, e.g. &#39;refund" in blank.text
    wrong = responder.post(
        "/systems/support-agent/kill",
        data={"csrf": csrf, "environment": "moon", "reason": "x", "confirm": "yes"},
    )
    assert wrong.status_code == 422
    assert "moon" in wrong.text
    assert not _killed(session_factory)


def test_a_viewer_sees_no_levers_and_cannot_post_one_and_csrf_is_required(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    csrf = login(app_client, make_token(session_factory, "vic", Role.viewer))
    assert "can look but not pull levers" in app_client.get("/systems/support-agent").text
    refused = app_client.post(
        "/systems/support-agent/kill", data={"csrf": csrf, "reason": "x", "confirm": "yes"}
    )
    assert refused.status_code == 403
    assert "vic has role viewer; this needs responder or higher" in refused.text

    login(app_client, make_token(session_factory, "rita", Role.responder))
    forged = app_client.post("/systems/support-agent/kill", data={"reason": "x", "confirm": "yes"})
    assert forged.status_code == 403
    assert not _killed(session_factory)
