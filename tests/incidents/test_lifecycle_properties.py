"""Lifecycle (I1) as pure functions: only table moves happen, milestones only move forward."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.exceptions import InvalidInput, InvalidTransition
from blastwall.incidents import lifecycle
from blastwall.incidents.enums import Status
from blastwall.incidents.lifecycle import TRANSITIONS, allowed_next
from blastwall.incidents.models import Incident
from tests.incidents.factories import at, transient_incident

# In the order they happen; a set milestone is never earlier than one before it.
ORDER = (
    "detected_at",
    "acknowledged_at",
    "contained_at",
    "mitigated_at",
    "resolved_at",
    "postmortem_done_at",
)


def snapshot(incident: Incident) -> dict[str, datetime | str | None]:
    return {"status": incident.status, **{name: getattr(incident, name) for name in ORDER}}


def check_invariants(incident: Incident) -> None:
    status = Status(incident.status)
    times = [t for t in (getattr(incident, name) for name in ORDER) if t is not None]
    assert times == sorted(times)
    assert (incident.acknowledged_at is None) == (status is Status.detected)
    if status in (Status.contained, Status.mitigated):
        assert incident.contained_at is not None
    if status is Status.mitigated:
        assert incident.mitigated_at is not None
    assert (incident.resolved_at is not None) == (
        status in (Status.resolved, Status.postmortem_done)
    )
    assert (incident.postmortem_done_at is not None) == (status is Status.postmortem_done)
    if incident.resolved_at is not None and incident.severity < 3:
        assert incident.contained_at is not None


@settings(max_examples=300)
@given(st.integers(1, 3), st.lists(st.sampled_from(list(Status)), max_size=25))
def test_any_sequence_of_attempts_follows_the_table(severity: int, attempts: list[Status]) -> None:
    incident = transient_incident(severity)
    for minute, target in enumerate(attempts, start=1):
        before = snapshot(incident)
        current = Status(incident.status)
        allowed = allowed_next(current, severity)
        assert set(allowed) <= set(TRANSITIONS[current])
        if target not in allowed:
            with pytest.raises(InvalidTransition) as refused:
                lifecycle.transition(incident, target, at(minute))
            assert refused.value.extra["allowed"] == [s.value for s in allowed]
            assert snapshot(incident) == before
            continue
        previous = lifecycle.transition(incident, target, at(minute))
        assert previous is current
        assert target in TRANSITIONS[current]
        assert current is not Status.postmortem_done
        after = snapshot(incident)
        for name in ORDER:
            if name == "resolved_at" and target is Status.triaged:
                assert after[name] is None  # reopened
            elif before[name] is not None:
                assert after[name] == before[name], f"{name} changed once set"
        check_invariants(incident)


def test_a_severity_1_skips_straight_to_contained() -> None:
    incident = transient_incident(severity=1)
    lifecycle.transition(incident, Status.contained, at(3))
    assert (incident.status, incident.acknowledged_at, incident.contained_at) == (
        "contained",
        at(3),
        at(3),
    )


def test_mitigating_before_containing_also_counts_as_containment() -> None:
    incident = transient_incident(severity=2, status="triaged")
    lifecycle.transition(incident, Status.mitigated, at(9))
    assert (incident.contained_at, incident.mitigated_at) == (at(9), at(9))


def test_only_severity_3_may_close_without_containment() -> None:
    low = transient_incident(severity=3, status="triaged")
    lifecycle.transition(low, Status.resolved, at(5))
    assert (low.resolved_at, low.contained_at) == (at(5), None)
    high = transient_incident(severity=2, status="triaged")
    with pytest.raises(InvalidTransition) as refused:
        lifecycle.transition(high, Status.resolved, at(5))
    assert refused.value.detail == (
        "the incident is severity 2: contain or mitigate it before resolving (or lower its "
        "harm if it was a false alarm); allowed next from triaged: contained, mitigated"
    )


def test_refusal_lists_the_allowed_next_statuses() -> None:
    incident = transient_incident(severity=1, status="mitigated")
    with pytest.raises(InvalidTransition) as refused:
        lifecycle.transition(incident, "triaged", at(1))
    assert refused.value.detail == (
        "the incident cannot move from mitigated to triaged; allowed next: resolved"
    )
    assert refused.value.extra == {"current": "mitigated", "allowed": ["resolved"]}
    with pytest.raises(InvalidTransition, match="is already mitigated; allowed next: resolved"):
        lifecycle.transition(incident, "mitigated", at(1))


def test_nothing_moves_out_of_postmortem_done() -> None:
    incident = transient_incident(severity=1, status="postmortem_done")
    assert allowed_next(Status.postmortem_done, 1) == ()
    with pytest.raises(InvalidTransition, match="is postmortem_done, which is final"):
        lifecycle.transition(incident, "triaged", at(1))


def test_reopening_clears_resolution_and_resolving_again_sets_it_anew() -> None:
    incident = transient_incident(severity=1)
    for minute, target in enumerate(["contained", "resolved", "triaged"], start=1):
        lifecycle.transition(incident, target, at(minute))
    assert (incident.status, incident.resolved_at, incident.contained_at) == (
        "triaged",
        None,
        at(1),
    )
    lifecycle.transition(incident, "contained", at(4))
    lifecycle.transition(incident, "resolved", at(5))
    assert (incident.contained_at, incident.resolved_at) == (at(1), at(5))


def test_unknown_status_names_the_choices() -> None:
    incident = transient_incident(severity=1)
    with pytest.raises(InvalidInput) as refused:
        lifecycle.transition(incident, "closed", at(1))
    assert refused.value.detail == (
        "status 'closed' is unknown: choose one of detected, triaged, contained, mitigated, "
        "resolved, postmortem_done"
    )
