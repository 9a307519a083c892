"""Console fixtures: the example blastwall.yaml applied, and a logged-in browser-like client."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_text
from blastwall.registry import releases
from tests.conftest import SETUP_ACTOR, make_token

# The example's support-agent with only what the console tests read (the whole example
# file takes seconds to apply per test).
SYSTEM = """
version: 1
systems:
  - name: support-agent
    description: Answers customer tickets.
    owner: Dana Okafor
    risk_tier: high
    environments: [staging, prod]
    fallback: Customers see "A member of our team will reply within 4 hours."
    actions:
      - {name: issue_refund, reversible: false}
    surfaces:
      - {name: system-prompt, kind: prompt, content: {template: You are the assistant.}}
    monitors:
      - name: fraud-share
        signal: output_category
        params: {categories: [general, refund, fraud, account_access]}
        environment: prod
        reference: {observations: 1000}
        harm: moderate
"""
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def example(session_factory: sessionmaker[Session]) -> None:
    """support-agent with its known-good release r1 in force in prod."""
    with session_factory() as session, session.begin():
        apply(session, load_text(SYSTEM), actor=SETUP_ACTOR, dry_run=False)
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
