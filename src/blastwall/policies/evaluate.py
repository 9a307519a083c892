"""Evaluate policies on the triggering changes and act (C8), inside the signal's transaction.

Registered in ``blastwall.wiring`` on ``alarm.raised``, ``alert.firing`` and
``incident.open``. For each policy of the change's system whose trigger matches:

* in cooldown (an activation less than ``cooldown`` ago): audited as ``policy.skipped``;
* at its cap (``max_per_hour`` activations in the last hour): ``policy.capped`` on the
  incident's timeline;
* ``observe``: ``policy.observed`` on the timeline ("policy X would have: ..."), nothing
  else changes;
* ``enforce``: each action runs as the actor ``policy:NAME`` through the services the API
  uses (``levers.service.change``, ``registry.rollback.rollback``) with the incident id,
  so the lever's audit entry, timeline entry, stream announcement and the incident's
  containment all follow. Each action runs in its own SAVEPOINT: a refused or failing
  action is rolled back alone, recorded (``policy.refused``, ``policy.failed``) and never
  rolls back the alarm that triggered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, Recorded, record
from blastwall.db.base import utcnow
from blastwall.exceptions import BlastwallError, Forbidden
from blastwall.incidents.models import Incident
from blastwall.levers import authority
from blastwall.levers import service as levers
from blastwall.levers.authority import POLICY_PREFIX
from blastwall.policies.models import PolicyActivation, PolicyRow
from blastwall.policies.spec import WHOLE_RELEASE, Action, Mode, PolicySpec
from blastwall.registry import rollback

TRIGGERS = {"alarm.raised": "alarm", "alert.firing": "alert", "incident.open": "incident"}
ROLLBACK = "rollback"
"""The authority-rule lever a policy's rollback needs (``*`` covers it too)."""


@dataclass(frozen=True)
class Trigger:
    """What a triggering change says, as policies match on it."""

    kind: str
    system: str
    incident_id: int | None
    monitor: str | None = None
    labels: dict[str, str] | None = None
    classes: tuple[str, ...] = ()
    severity: int | None = None
    action: str = ""


def actor_for(name: str) -> Actor:
    """The actor a policy acts as: its own name, with only the authority rules name it."""
    return Actor(name=f"{POLICY_PREFIX}{name}", role=Role.responder)


def on_change(session: Session, recorded: Recorded) -> None:
    """The subscriber: find the matching policies of the change's system and run each."""
    trigger = _trigger(session, recorded.change)
    if trigger is None:
        return
    rows = session.scalars(
        select(PolicyRow).where(PolicyRow.system == trigger.system).order_by(PolicyRow.name)
    ).all()
    for row in rows:
        spec = PolicySpec.model_validate(row.body)
        if matches(spec, trigger):
            run(session, spec, trigger)


def _trigger(session: Session, change: Change) -> Trigger | None:
    kind = TRIGGERS.get(change.action)
    if kind is None or not change.system:
        return None
    if (change.after or {}).get("outcome") == "repeat":
        return None  # one failure still going on, not a new one
    data = change.data
    if kind == "alarm":
        return Trigger(kind, change.system, change.incident_id, monitor=data.get("monitor"))
    if kind == "alert":
        labels = data.get("labels")
        return Trigger(
            kind,
            change.system,
            change.incident_id,
            labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        )
    incident = session.get(Incident, change.incident_id) if change.incident_id else None
    return Trigger(
        kind,
        change.system,
        change.incident_id,
        classes=tuple(incident.classes) if incident else (),
        severity=data.get("severity"),
    )


def matches(spec: PolicySpec, trigger: Trigger) -> bool:
    """Whether ``spec``'s trigger matches: same system, same kind, every condition met."""
    when = spec.when
    if spec.system != trigger.system or when.kind != trigger.kind:
        return False
    if when.alarm is not None:
        return when.alarm.monitor in (None, trigger.monitor)
    if when.incident is not None:
        cls, severity = when.incident.class_, when.incident.severity
        return (cls is None or cls in trigger.classes) and severity in (None, trigger.severity)
    assert when.alert is not None
    labels = trigger.labels or {}
    return all(labels.get(k) == v for k, v in when.alert.labels.items())


def plan_sentence(spec: PolicySpec) -> str:
    """What the policy does, e.g. ``kill support-agent (prod); roll back ...``."""
    return "; ".join(_describe(spec.system, action) for action in spec.do)


def _describe(system: str, action: Action) -> str:
    if action.set is not None and action.set.model_dump(include=action.set.model_fields_set) == {
        "killed": True
    }:
        return f"kill {system} ({action.environment})"
    return action.describe(system)


def run(session: Session, spec: PolicySpec, trigger: Trigger, now: datetime | None = None) -> str:
    """Apply cooldown and cap, then observe or enforce; returns the outcome recorded."""
    now = now or utcnow()
    actor = actor_for(spec.name)
    last, in_hour = activity(session, spec.name, now)
    if last is not None and now - last < timedelta(seconds=spec.cooldown):
        _record(
            session,
            spec,
            trigger,
            actor,
            "policy.skipped",
            timeline="",
            reason=f"in cooldown ({spec.cooldown}s since {last.isoformat()})",
        )
        return "skipped"
    if in_hour >= spec.max_per_hour:
        _record(
            session,
            spec,
            trigger,
            actor,
            "policy.capped",
            timeline=(
                f"policy {spec.name} did not act: it reached its cap of "
                f"{spec.max_per_hour} activation(s) per hour"
            ),
            reason="cap reached",
        )
        return "capped"
    planned = plan_sentence(spec)
    if spec.mode is Mode.observe:
        _record(
            session,
            spec,
            trigger,
            actor,
            "policy.observed",
            timeline=f"policy {spec.name} would have: {planned}",
            reason=planned,
        )
        return _activated(session, spec, trigger, "observed", now)
    problems: list[BlastwallError] = []
    for action in spec.do:
        problem = _act(session, spec, trigger, action, actor)
        if problem is None:
            continue
        problems.append(problem)
        verb = "refused" if isinstance(problem, Forbidden) else "failed"
        sentence = f"policy {spec.name} {verb}: {_describe(spec.system, action)}: {problem.detail}"
        _record(
            session,
            spec,
            trigger,
            actor,
            f"policy.{verb}",
            timeline=sentence,
            reason=problem.detail[:500],
            extra={"action": action.body()},
        )
    outcome = (
        "enforced"
        if not problems
        else "refused"
        if all(isinstance(p, Forbidden) for p in problems)
        else "failed"
    )
    if outcome == "enforced":
        _record(
            session,
            spec,
            trigger,
            actor,
            "policy.enforced",
            timeline=f"policy {spec.name} enforced: {planned}",
            reason=planned,
        )
    return _activated(session, spec, trigger, outcome, now)


def _act(
    session: Session, spec: PolicySpec, trigger: Trigger, action: Action, actor: Actor
) -> BlastwallError | None:
    """Run one action in its own savepoint; the refusal or failure it met, if any."""
    reason = f"policy {spec.name}: {spec.when.describe()}"
    savepoint = session.begin_nested()
    try:
        if action.set is not None:
            levers.change(
                session,
                spec.system,
                action.environment,
                action.set.model_dump(include=action.set.model_fields_set),
                actor=actor,
                reason=reason,
                incident_id=trigger.incident_id,
            )
        else:
            authority.check(session, actor, ROLLBACK, spec.system)
            rollback.rollback(
                session,
                spec.system,
                environment=action.environment,
                reason=reason,
                actor=actor,
                surface=None if action.rollback == WHOLE_RELEASE else action.rollback,
                incident_id=trigger.incident_id,
            )
    except BlastwallError as exc:
        savepoint.rollback()
        return exc
    savepoint.commit()
    return None


def activity(session: Session, name: str, now: datetime) -> tuple[datetime | None, int]:
    """The policy's last activation and how many it had in the hour before ``now``."""
    last = session.scalar(
        select(func.max(PolicyActivation.at)).where(PolicyActivation.policy == name)
    )
    count = session.scalar(
        select(func.count())
        .select_from(PolicyActivation)
        .where(PolicyActivation.policy == name, PolicyActivation.at > now - timedelta(hours=1))
    )
    return last, int(count or 0)


def _activated(
    session: Session, spec: PolicySpec, trigger: Trigger, outcome: str, now: datetime
) -> str:
    session.add(
        PolicyActivation(
            policy=spec.name,
            at=now,
            incident_id=trigger.incident_id,
            trigger=trigger.kind,
            outcome=outcome,
        )
    )
    session.flush()
    return outcome


def _record(
    session: Session,
    spec: PolicySpec,
    trigger: Trigger,
    actor: Actor,
    action: str,
    *,
    timeline: str,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        Change(
            action=action,
            target=f"policy/{spec.name}",
            actor=actor,
            reason=reason,
            after={"mode": spec.mode.value, "trigger": trigger.kind, **(extra or {})},
            incident_id=trigger.incident_id,
            system=spec.system,
            timeline=timeline,
            data={"policy": spec.name, "mode": spec.mode.value, **(extra or {})},
        ),
    )
