"""Review routes: settings, claiming, marking, listing, accuracy; roles and clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from tests.conftest import make_token
from tests.review.factories import SYSTEM, calls, queue, register

API = "/api/v1"


def _put(client: TestClient, body: dict[str, Any], system: str = SYSTEM) -> Any:
    return client.put(f"{API}/systems/{system}/review-config", json=body)


def _as(
    client: TestClient, factory: sessionmaker[Session], name: str, role: Role
) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(factory, name, role)}"}


def test_setting_the_rate_is_audited_and_lists_the_accuracy_monitors(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    register(session_factory)
    response = _put(client, {"sample_rate": 0.05})
    assert response.status_code == 200
    body = response.json()
    assert (body["sample_rate"], body["baseline"], body["monitors"]) == (0.05, 400, [])
    client.post(
        f"{API}/systems/{SYSTEM}/monitors", json={"name": "accuracy", "signal": "review_accuracy"}
    )
    assert client.get(f"{API}/systems/{SYSTEM}/review-config").json()["monitors"] == ["accuracy"]
    with session_factory() as session:
        entries = session.query(AuditEntry).order_by(AuditEntry.seq)
        actions = [e.action for e in entries if not e.action.startswith("token.")]
    assert actions[0] == "review.configure"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"sample_rate": 1.5}, "sample_rate: Input should be less than or equal to 1"),
        ({"sample_rate": -0.1}, "sample_rate: Input should be greater than or equal to 0"),
        ({}, "sample_rate: Field required"),
        ({"sample_rate": 0.1, "rate": 1}, "rate: Extra inputs are not permitted"),
        ({"sample_rate": 0.1, "baseline": 5}, "baseline: Input should be greater than or equal"),
    ],
)
def test_bad_settings_name_the_field(
    client: TestClient, session_factory: sessionmaker[Session], body: dict[str, Any], detail: str
) -> None:
    register(session_factory)
    response = _put(client, body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


def test_an_unknown_system_is_a_clear_404(client: TestClient) -> None:
    response = _put(client, {"sample_rate": 0.1}, system="nope")
    assert (response.status_code, response.json()["detail"]) == (
        404,
        "no system named 'nope'; `blastwall systems` lists the systems",
    )


def test_a_reviewer_claims_reads_and_marks_an_item(
    app_client: TestClient, client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    register(session_factory)
    _put(client, {"sample_rate": 1.0})
    queue(session_factory, calls(2))
    ana = _as(app_client, session_factory, "ana", Role.responder)
    claimed = app_client.post(f"{API}/review/next", params={"system": SYSTEM}, headers=ana)
    assert claimed.status_code == 200
    item = claimed.json()
    assert (item["status"], item["reviewer"], item["output_text"]) == (
        "claimed",
        "ana",
        "answer 0",
    )
    marked = app_client.post(
        f"{API}/review/{item['id']}", json={"verdict": "incorrect", "note": "no"}, headers=ana
    )
    assert (marked.status_code, marked.json()["verdict"]) == (200, "incorrect")
    done = client.get(f"{API}/review", params={"status": "done"}).json()
    assert [i["id"] for i in done["items"]] == [item["id"]]
    accuracy = client.get(f"{API}/systems/{SYSTEM}/accuracy").json()
    assert accuracy["baseline"] == {
        "accuracy": 0.0,
        "low": 0.0,
        "high": pytest.approx(0.793450, abs=1e-6),
        "n": 1,
        "correct": 0,
    }
    assert accuracy["queue"] == {"pending": 1, "claimed": 0, "done": 1}


def test_an_empty_queue_answers_204(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    register(session_factory)
    assert client.post(f"{API}/review/next").status_code == 204


def test_viewers_cannot_claim_or_mark_and_bad_verdicts_are_named(
    app_client: TestClient, client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    register(session_factory)
    _put(client, {"sample_rate": 1.0})
    queue(session_factory, calls(1))
    viewer = _as(app_client, session_factory, "vic", Role.viewer)
    assert app_client.post(f"{API}/review/next", headers=viewer).status_code == 403
    item_id = client.get(f"{API}/review").json()["items"][0]["id"]
    wrong = client.post(f"{API}/review/{item_id}", json={"verdict": "meh"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"] == "verdict: Input should be 'correct' or 'incorrect'"
    status = client.get(f"{API}/review", params={"status": "open"})
    assert status.json()["detail"].startswith("status: Input should be 'pending', 'claimed'")
