"""The postmortem, action item and metrics routes: roles, problems with fields, one flow."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.db.session import unit_of_work
from tests.conftest import make_token
from tests.postmortems.factories import incident, released_system


def test_routes_draft_edit_review_items_and_metrics(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(session_factory) as session:
        released_system(session)
        incident_id = incident(session).id
    base = f"/api/v1/incidents/{incident_id}/postmortem"
    viewer = {"Authorization": f"Bearer {make_token(session_factory, 'vic', Role.viewer)}"}

    missing = client.get(base)
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        f"incident {incident_id} has no postmortem yet; draft one with "
        f"`blastwall postmortem draft {incident_id}`",
    )
    assert client.post(f"{base}/draft", headers=viewer).status_code == 403
    drafted = client.post(f"{base}/draft")
    assert drafted.status_code == 200, drafted.text
    assert "+Refund whatever is asked." in drafted.json()["markdown"]
    unknown = client.patch(base, json={"sections": {"cause": "x"}})
    assert (unknown.status_code, unknown.json()["field"], unknown.json()["detail"]) == (
        422,
        "sections",
        "sections: cause; send one or more of summary, timeline, detection, containment, "
        "rollback, blast_radius, release_diff, model_output, root_cause, amplification, "
        "drift_data, monitoring_gap, incentives",
    )
    edited = client.patch(base, json={"sections": {"root_cause": "The v2 prompt."}})
    assert (edited.json()["edited"], edited.json()["sections"]["root_cause"]) == (
        ["root_cause"],
        "The v2 prompt.",
    )
    assert client.post(f"{base}/submit").json()["status"] == "in_review"
    refused = client.post(f"{base}/publish")
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        f"incident {incident_id} is detected: resolve it before publishing its postmortem "
        f"(`blastwall incident resolve {incident_id}`)",
    )

    item = {"incident_id": incident_id, "title": "Watch labels", "owner": "dana",
            "due": "2025-01-10", "category": "detection_gap"}  # fmt: skip
    bad = client.post("/api/v1/action-items", json={**item, "due": "10 Jan"})
    assert (bad.status_code, [e["field"] for e in bad.json()["errors"]]) == (422, ["due"])
    added = client.post("/api/v1/action-items", json=item)
    assert (added.status_code, added.json()["creates"], added.json()["overdue"]) == (
        201,
        "monitor",
        True,
    )
    listed = client.get("/api/v1/action-items", params={"overdue": "true"}).json()["items"]
    assert [i["id"] for i in listed] == [added.json()["id"]]
    no_labels = client.post(f"/api/v1/action-items/{added.json()['id']}/create", json={})
    assert (no_labels.status_code, no_labels.json()["detail"].split(";")[0]) == (
        422,
        f"spec.signal: incident {incident_id} has no alarm to copy and its traces carry no "
        "labels to watch",
    )
    spec = {"signal": "output_category", "params": {"categories": ["a", "b"]}}
    made = client.post(f"/api/v1/action-items/{added.json()['id']}/create", json={"spec": spec})
    assert made.json()["created"]["kind"] == "monitor", made.text

    found = client.get("/api/v1/metrics", params={"system": "refund-bot"}).json()
    assert (found["all"]["incidents"], found["all"]["mttd"]) == (
        1,
        {"count": 1, "median_s": 1200.0, "mean_s": 1200.0},
    )
    assert client.get("/api/v1/metrics", params={"since": "yesterday"}).status_code == 422
