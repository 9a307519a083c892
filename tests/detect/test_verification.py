"""R3: after a rollback or lever change on an incident, the alarmed monitor checks the stream."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine
from blastwall.detect.monitors.models import Verification
from blastwall.detect.verification import Z_CATEGORIES, score_margins, share_margins
from blastwall.levers import service as levers
from blastwall.registry import releases
from blastwall.registry import rollback as registry_rollback
from blastwall.registry.models import Surface, System
from tests.detect.engine_factories import (
    ADMIN,
    LABELS,
    SYSTEM,
    Factory,
    add_monitor,
    classifier_calls,
    incidents,
    push,
    register,
    tick,
)

FRAUD = {
    "params": {"categories": list(LABELS)},
    "reference": {"observations": 2000},
    "verify_observations": 500,
}
NO_CHANGE = 10**9


def alarmed(factory: Factory, engine: Engine) -> int:
    """The fraud share rises at call 3000; returns the incident the alarm opened."""
    push(factory, classifier_calls(3000, 3000))
    tick(factory, engine)
    push(factory, classifier_calls(1500, 3000, first=3000))
    tick(factory, engine)
    [incident] = incidents(factory)
    return incident.id


def pull_lever(factory: Factory, incident_id: int, **changes: object) -> None:
    with unit_of_work(factory) as session:
        levers.change(
            session,
            SYSTEM,
            "*",
            changes,
            actor=ADMIN,
            reason="fraud share at 9%",
            incident_id=incident_id,
        )


def verifications(factory: Factory) -> list[Verification]:
    with factory() as session:
        return list(session.scalars(select(Verification).order_by(Verification.id)))


def test_stream_back_at_baseline_after_a_lever_change_is_verified(
    session_factory: Factory, client: TestClient
) -> None:
    register(session_factory)
    add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    engine = Engine(settle_s=0)
    incident_id = alarmed(session_factory, engine)
    pull_lever(session_factory, incident_id, reroute_model="gpt-4o")
    tick(session_factory, engine)  # sees the change: starts watching
    [started] = verifications(session_factory)
    assert (started.status, started.change_kind, started.needed) == ("pending", "lever", 500)

    push(session_factory, classifier_calls(300, NO_CHANGE, first=4500, seed=11))
    tick(session_factory, engine)
    pending = client.get(f"/api/v1/incidents/{incident_id}/verification").json()
    assert pending["status"] == "pending"
    assert pending["message"] == "watching: 200 more observation(s) needed after the lever"
    assert pending["monitors"][0]["observations"] == 300

    push(session_factory, classifier_calls(300, NO_CHANGE, first=4800, seed=12))
    report = tick(session_factory, engine)
    [done] = verifications(session_factory)
    assert report.decided == [done.id]
    assert (done.status, done.observations) == ("verified", 500)
    assert done.evidence["within"] is True
    assert done.evidence["baseline"]["fraud"] == 0.01973
    assert set(done.evidence["current"]) == set(LABELS)

    body = client.get(f"/api/v1/incidents/{incident_id}/verification").json()
    assert body["status"] == "verified"
    assert body["message"] == "every monitor that alarmed is back at its baseline"
    assert body["change"]["kind"] == "lever"
    [entry] = body["monitors"]
    assert (entry["monitor"], entry["status"], entry["needed"]) == ("fraud-share", "verified", 500)
    timeline = client.get(f"/api/v1/incidents/{incident_id}").json()["timeline"]
    # The lever contained the incident (its status entry) before the fix was verified.
    assert [e["kind"] for e in timeline][-3:] == ["lever", "status", "verification"]
    assert timeline[-1]["message"] == (
        "Verified: fraud-share is back at its baseline after the lever (500 observations "
        "without an alarm, estimate within the baseline)"
    )


def test_stream_still_shifted_after_a_rollback_is_not_verified(session_factory: Factory) -> None:
    register(session_factory)
    with unit_of_work(session_factory) as session:
        system = session.scalar(select(System).where(System.name == SYSTEM))
        assert system is not None
        system.surfaces.append(Surface(name="prompt", kind="prompt"))
        session.flush()
        for name in ("r1", "r2"):
            releases.create_release(
                session, SYSTEM, name=name, surfaces={"prompt": {"v": name}}, actor=ADMIN
            )
            releases.activate(session, SYSTEM, name, environment="prod", actor=ADMIN)
        releases.mark_known_good(session, SYSTEM, "r1", actor=ADMIN)
    add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    engine = Engine(settle_s=0)
    incident_id = alarmed(session_factory, engine)
    with unit_of_work(session_factory) as session:
        registry_rollback.rollback(
            session,
            SYSTEM,
            environment="prod",
            reason="r2 routes fraud",
            actor=ADMIN,
            incident_id=incident_id,
        )
    tick(session_factory, engine)
    push(session_factory, classifier_calls(500, 0, first=4500, seed=13))  # still 9% fraud
    report = tick(session_factory, engine)
    [done] = verifications(session_factory)
    assert report.decided == [done.id]
    assert (done.status, done.change_kind) == ("not_verified", "rollback")
    assert done.evidence["alarm_at_observation"] == done.observations
    print("OBS", done.observations, done.evidence)
    assert 0 < done.observations < 500
    [incident] = incidents(session_factory)
    last = incident.timeline[-1]
    assert last.kind == "verification"
    assert last.message == (
        "Not verified: fraud-share alarmed again 179 observations after the rollback; the "
        "stream is still off its baseline"
    )


def test_a_later_change_supersedes_a_pending_verification(session_factory: Factory) -> None:
    register(session_factory)
    add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    engine = Engine(settle_s=0)
    incident_id = alarmed(session_factory, engine)
    pull_lever(session_factory, incident_id, killed=True)
    tick(session_factory, engine)
    # Killed calls never reach the model: nothing to verify with yet.
    killed = [
        c | {"decision": "killed", "label": None}
        for c in classifier_calls(50, NO_CHANGE, first=4500)
    ]
    push(session_factory, killed)
    tick(session_factory, engine)
    [waiting] = verifications(session_factory)
    assert (waiting.status, waiting.observations) == ("pending", 0)
    pull_lever(session_factory, incident_id, killed=False)
    tick(session_factory, engine)
    first, second = verifications(session_factory)
    assert (first.status, second.status) == ("superseded", "pending")
    assert second.change_entry_id > first.change_entry_id


def test_incident_without_alarms_has_nothing_to_verify(client: TestClient) -> None:
    opened = client.post("/api/v1/incidents", json={"title": "manual", "harm": "minor"}).json()
    body = client.get(f"/api/v1/incidents/{opened['id']}/verification").json()
    assert body == {
        "incident_id": opened["id"],
        "status": "none",
        "message": "no monitor alarmed on this incident, so there is nothing to verify against",
        "change": None,
        "monitors": [],
        "earlier": [],
    }
    missing = client.get("/api/v1/incidents/999/verification")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("incident 999 does not exist")


SHARES = np.array([0.62, 0.28, 0.02, 0.08])  # the demo's routing shares


def _not_verified(
    rng: np.random.Generator, truth: npt.NDArray[np.float64], counted_as: int
) -> bool:
    """One check of 1,000 calls after a fix against a baseline learned from 1,000 calls,
    with the interval of a baseline of ``counted_as`` calls."""
    baseline = rng.multinomial(1000, SHARES) / 1000
    current = rng.multinomial(1000, truth) / 1000
    margin = share_margins(baseline, 1000, counted_as, Z_CATEGORIES)
    return bool(np.any(np.abs(current - baseline) > margin))


def test_a_stream_back_at_a_baseline_learned_from_few_calls_is_verified() -> None:
    """The baseline is an estimate too. On 2,000 seeded streams back at the baseline, an
    interval that ignores its error (as if learned from 10^9 calls) calls 6% of them
    'not verified' (the browser test's flake); the two-sample interval a handful. A stream
    still at 9% fraud is never verified by either."""
    shifted = np.array([0.55, 0.28, 0.09, 0.08])
    counts = {}
    for name, truth, counted_as in (
        ("ignored", SHARES, 10**9),
        ("two-sample", SHARES, 1000),
        ("shifted", shifted, 1000),
    ):
        rng = np.random.default_rng(7)
        counts[name] = sum(_not_verified(rng, truth, counted_as) for _ in range(2000))
    assert counts == {"ignored": 124, "two-sample": 6, "shifted": 2000}


def test_score_margins_widen_with_a_small_baseline() -> None:
    assert score_margins(1000, 10**9) == pytest.approx((3 / 1000**0.5, 3 / 2000**0.5), rel=1e-6)
    assert score_margins(1000, 1000) == pytest.approx((3 * (2 / 1000) ** 0.5, 3 / 1000**0.5))
