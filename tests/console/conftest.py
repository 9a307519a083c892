"""Console fixtures: the example blastwall.yaml applied, and a logged-in browser-like client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_file
from blastwall.registry import releases
from tests.conftest import SETUP_ACTOR, make_token

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blastwall.yaml"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def example(session_factory: sessionmaker[Session]) -> None:
    """The README's example systems; support-agent's known-good release r1 in force in prod."""
    with session_factory() as session, session.begin():
        apply(session, load_file(EXAMPLE), actor=SETUP_ACTOR, dry_run=False)
    with session_factory() as session, session.begin():
        releases.create_release(session, "support-agent", name="r1", surfaces={}, actor=SETUP_ACTOR)
        releases.mark_known_good(session, "support-agent", "r1", actor=SETUP_ACTOR, reason="ok")
        releases.activate(session, "support-agent", "r1", environment="prod", actor=SETUP_ACTOR)


def login(client: TestClient, secret: str) -> str:
    """Log ``client`` in with ``secret``; returns the session's CSRF value."""
    response = client.post("/login", data={"token": secret, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/")
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def responder(app_client: TestClient, session_factory: sessionmaker[Session]) -> TestClient:
    """A console client logged in with a responder token named 'ana'."""
    app_client.headers["X-Test-Csrf"] = login(
        app_client, make_token(session_factory, "ana", Role.responder)
    )
    return app_client
