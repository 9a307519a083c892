"""Policies act on alarms, alerts and incidents: observe, enforce, refuse, cool down, cap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes.models import AuditEntry
from blastwall.db.base import utcnow
from blastwall.incidents import intake
from blastwall.incidents import service as incidents
from blastwall.levers import service as levers
from blastwall.policies.models import PolicyActivation
from blastwall.registry import releases
from tests.policies.factories import MONITOR_ACTOR, T0, alarm, grant, policy, store, timeline
from tests.registry.factories import SYSTEM, activate, contents, make_system, release


def _state(session: Session) -> dict[str, object]:
    system = levers.get_system(session, SYSTEM)
    state = levers._stored(session, system, "prod")
    return levers.snapshot(state)


def _actions(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    return [
        (e.action, e.actor) for e in rows if e.action.startswith(("policy.", "lever.", "release."))
    ]


def test_observe_records_what_it_would_have_done_and_changes_nothing(session: Session) -> None:
    make_system(session)
    store(session, policy(mode="observe"))
    grant(session, "kill-on-refusals")
    incident_id = alarm(session)
    assert _state(session)["killed"] is False
    assert (
        "policy",
        "policy:kill-on-refusals",
        "policy kill-on-refusals would have: kill support-agent (prod)",
    ) in timeline(session, incident_id)
    assert incidents.get(session, incident_id).status == "detected"
    assert incidents.get(session, incident_id).contained_at is None


def test_enforce_pulls_the_lever_and_the_incident_shows_contained(session: Session) -> None:
    make_system(session)
    store(session, policy())
    grant(session, "kill-on-refusals", "kill")
    incident_id = alarm(session)
    assert _state(session)["killed"] is True
    incident = incidents.get(session, incident_id)
    assert incident.status == "contained"
    assert incident.contained_at is not None
    assert incident.acknowledged_at is None  # nobody saw it: paging goes on
    kinds = [(kind, actor) for kind, actor, _ in timeline(session, incident_id)]
    assert kinds[-4:] == [
        ("alarm", "monitor"),
        ("lever", "policy:kill-on-refusals"),
        ("status", "policy:kill-on-refusals"),
        ("policy", "policy:kill-on-refusals"),
    ]


def test_a_policy_without_authority_is_refused_and_the_refusal_recorded(
    session: Session,
) -> None:
    make_system(session)
    store(session, policy())
    incident_id = alarm(session)  # default rules only: role rules never name a policy
    assert _state(session)["killed"] is False
    refused = [m for k, a, m in timeline(session, incident_id) if k == "policy"]
    assert len(refused) == 1
    assert refused[0].startswith(
        "policy kill-on-refusals refused: kill support-agent (prod): policy:kill-on-refusals "
        "(role responder) may not pull 'kill' on 'support-agent'"
    )
    assert ("policy.refused", "policy:kill-on-refusals") in _actions(session)
    assert incidents.get(session, incident_id).status == "detected"
    outcomes = session.scalars(select(PolicyActivation.outcome)).all()
    assert outcomes == ["refused"]


def test_cooldown_skips_a_second_match_and_audits_the_skip(session: Session) -> None:
    make_system(session)
    store(session, policy(mode="observe", cooldown="10m"))
    first = alarm(session, key="m1")
    alarm(session, key="m2")
    observed = [m for k, _, m in timeline(session, first) if k == "policy"]
    assert len(observed) == 1
    assert [a for a, _ in _actions(session) if a.startswith("policy.")] == [
        "policy.create",
        "policy.observed",
        "policy.skipped",
    ]


def test_the_cap_stops_activations_and_records_policy_capped(session: Session) -> None:
    make_system(session)
    store(session, policy(mode="observe", max_per_hour=2))
    old = utcnow() - timedelta(minutes=61)  # outside the hour: not counted
    session.add(
        PolicyActivation(policy="kill-on-refusals", at=old, trigger="alarm", outcome="observed")
    )
    incident_id = 0
    for key in ("m1", "m2", "m3"):
        incident_id = alarm(session, key=key)
    messages = [m for k, _, m in timeline(session, incident_id) if k == "policy"]
    assert messages == [
        "policy kill-on-refusals would have: kill support-agent (prod)",
        "policy kill-on-refusals would have: kill support-agent (prod)",
        "policy kill-on-refusals did not act: it reached its cap of 2 activation(s) per hour",
    ]


def test_a_policy_for_another_monitor_does_not_fire(session: Session) -> None:
    make_system(session)
    store(session, policy(mode="observe"))
    incident_id = alarm(session, monitor="latency")
    assert [k for k, _, _ in timeline(session, incident_id) if k == "policy"] == []


def test_enforce_rollback_returns_the_release_to_known_good(session: Session) -> None:
    make_system(session)
    release(session, "r1", contents("good"), known_good=True)
    release(session, "r2", contents("bad"))
    activate(session, "r2")
    store(session, policy(do=[{"environment": "prod", "rollback": "release"}]))
    grant(session, "kill-on-refusals")  # lever '*' covers rollback
    incident_id = alarm(session)
    system = levers.get_system(session, SYSTEM)
    active = releases.active_deployment(session, system, "prod")
    assert active is not None
    assert active.release.name == "r1"
    incident = incidents.get(session, incident_id)
    assert incident.status == "contained"
    assert [k for k, _, _ in timeline(session, incident_id)][-4:] == [
        "alarm",
        "rollback",
        "status",
        "policy",
    ]


def test_a_failing_action_is_recorded_and_never_undoes_the_alarm(session: Session) -> None:
    make_system(session)  # no release is active: the rollback fails
    store(
        session,
        policy(
            do=[
                {"environment": "prod", "rollback": "release"},
                {"environment": "prod", "set": {"safe_mode": True}},
            ]
        ),
    )
    grant(session, "kill-on-refusals")
    incident_id = alarm(session)
    lines = [m for k, _, m in timeline(session, incident_id) if k == "policy"]
    assert len(lines) == 1
    assert lines[0].startswith(
        "policy kill-on-refusals failed: roll back the release of support-agent (prod) to "
        "known-good: nothing is active in support-agent/prod"
    )
    assert _state(session)["safe_mode"] is True  # the next action still ran
    assert [k for k, _, _ in timeline(session, incident_id)] == [
        "opened",
        "alarm",
        "policy",
        "lever",
        "status",
    ]
    assert session.scalars(select(PolicyActivation.outcome)).all() == ["failed"]


def test_an_incident_policy_matches_its_class_and_severity_cell(session: Session) -> None:
    make_system(session)
    store(
        session,
        policy(name="on-sev2", mode="observe", when={"incident": {"severity": 2}}),
        policy(name="on-sev1", mode="observe", when={"incident": {"severity": 1}}),
        policy(name="on-privacy", mode="observe", when={"incident": {"class": "privacy"}}),
    )
    incident_id = alarm(session)
    assert incidents.get(session, incident_id).severity == 1  # moderate harm, irreversible
    fired = [m for k, _, m in timeline(session, incident_id) if k == "policy"]
    assert fired == ["policy on-sev1 would have: kill support-agent (prod)"]


def test_an_alert_policy_matches_every_label_it_names_and_ignores_repeats(
    session: Session,
) -> None:
    make_system(session)
    store(
        session,
        policy(name="payments", mode="observe", when={"alert": {"labels": {"team": "payments"}}}),
        policy(name="search", mode="observe", when={"alert": {"labels": {"team": "search"}}}),
    )
    signal = intake.Signal(
        source=intake.Source.alert,
        key="fp-1",
        system=SYSTEM,
        title="HighErrorRate",
        message="Alert HighErrorRate firing",
        action="alert.firing",
        started_at=T0,
        received_at=T0 + timedelta(minutes=1),
        evidence={"labels": {"team": "payments", "alertname": "HighErrorRate"}},
        audit_repeats=True,
    )
    incident_id = intake.receive(session, signal, MONITOR_ACTOR).incident_id
    intake.receive(session, signal, MONITOR_ACTOR)  # Alertmanager's resend: a repeat
    fired = [m for k, _, m in timeline(session, incident_id) if k == "policy"]
    assert fired == ["policy payments would have: kill support-agent (prod)"]
