"""A live drill injects its fault, marks the incident it causes, removes the fault at its end."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes.models import AuditEntry
from blastwall.detect.monitors.models import Monitor, MonitorState
from blastwall.drills import service
from blastwall.drills.enums import Scenario
from blastwall.drills.schemas import DrillStart
from blastwall.exceptions import Conflict
from blastwall.incidents import service as incidents
from blastwall.registry import releases
from blastwall.registry import service as registry
from tests.policies.factories import alarm, timeline
from tests.registry.factories import COMMANDER, SYSTEM, activate, contents, make_system, release


def _active(session: Session) -> str:
    return releases.get_active(session, SYSTEM, "prod").release.name


def test_a_temperature_drill_activates_a_hot_release_until_its_timeout_rolls_it_back(
    session: Session,
) -> None:
    make_system(session)
    release(session, "r1", contents("a"), known_good=True)
    activate(session, "r1")
    real = alarm(session, key="m0", monitor="fraud-share")  # a real incident, open already
    run = service.start(
        session, DrillStart(scenario=Scenario.temperature, system=SYSTEM), COMMANDER
    )

    assert run.fault == {
        "release": f"drill-{run.id}-hot",
        "surface": "settings",
        "temperature": 1.0,
        "replaced": "r1",
    }
    hot = releases.get_active(session, SYSTEM, "prod").release
    [settings] = [i.version.content for i in hot.items if i.surface.name == "settings"]
    assert settings == {"temperature": 1.0, "max_tokens": 512, "tag": "a"}
    incident_id = alarm(session)  # what the monitor does when it sees the hot release
    # The real incident's monitor alarming again during the drill is the drill's, not a repeat.
    assert alarm(session, key="m0", monitor="fraud-share") == incident_id
    incident = incidents.get(session, incident_id)
    # The drill's alarm opens its own incident rather than joining the real one.
    assert (incident_id != real, incident.drill, incidents.get(session, real).drill) == (
        True,
        True,
        False,
    )
    assert timeline(session, incident_id)[0][2].startswith("DRILL: opened at severity")
    assert incidents.metrics(session).incidents == 1  # the real one: drills stay out

    assert service.expire(session, now=run.deadline_at) == [run.id]
    assert (run.status, run.end_reason, _active(session)) == ("timed_out", "timed out", "r1")
    audit = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    drill_entries = [
        (e.action, e.actor)
        for e in audit
        if e.actor.startswith("drill:") or e.action[:6] == "drill."
    ]
    actor = f"drill:{run.id}"
    assert drill_entries == [
        ("drill.start", "cora"),
        ("release.create", actor),
        ("release.activate", actor),
        ("release.rollback", actor),
        ("drill.end", actor),
    ]
    # After the drill, the monitor alarming again is a repeat on the real incident again.
    assert service.running_live(session, SYSTEM) is None
    assert alarm(session, key="m0", monitor="fraud-share") == real


def test_a_demo_fault_is_served_to_the_demo_only_while_its_drill_runs(session: Session) -> None:
    make_system(session)
    run = service.start(
        session, DrillStart(scenario=Scenario.fraud_drift, system=SYSTEM), COMMANDER
    )
    assert service.faults(session, SYSTEM, "prod") == ([run.id], {"fraud_share": 0.09})
    assert service.faults(session, SYSTEM, "staging") == ([], {})
    service.end(session, run.id, COMMANDER, reason="enough")
    assert service.faults(session, SYSTEM, "prod") == ([], {})
    assert run.measurements["missing"] == [
        "no incident opened: the fraud-share monitor never alarmed during the drill"
    ]


def test_a_live_drill_says_how_far_its_monitor_has_learned(session: Session) -> None:
    make_system(session)
    system = registry.get_by_name(session, SYSTEM)
    monitor = Monitor(
        system_id=system.id,
        name="reply-length",
        signal="response_length",
        reference={"kind": "release", "observations": 1000},
        false_alarm_rate=1e-5,
        verify_observations=1000,
        created_by="test",
    )
    monitor.state = MonitorState(
        config_version=1,
        phase="learning",
        baseline=[],
        summary={"reference": 1000, "learned": 455},
    )
    session.add(monitor)
    session.flush()
    audited = len(session.scalars(select(AuditEntry)).all())
    with pytest.raises(Conflict) as refused:
        service.start(session, DrillStart(scenario=Scenario.temperature, system=SYSTEM), COMMANDER)
    assert str(refused.value.detail).startswith(
        "monitor reply-length of support-agent is still learning its baseline (455 of 1000 "
        "observations); a fault injected now would be learned, never detected."
    )
    assert len(session.scalars(select(AuditEntry)).all()) == audited  # nothing injected
