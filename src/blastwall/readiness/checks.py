"""The readiness checks: one small function per item, each reading real data and naming its fix.

Each takes the :class:`Facts` of one system and returns a :class:`Check`; ``fix`` is the
exact command (or ``blastwall.yaml`` snippet) that makes it pass, ``None`` when it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.approvals.models import ApprovalRequest
from blastwall.canaries.models import CanaryTarget
from blastwall.changes.models import AuditEntry
from blastwall.detect.monitors.enums import Phase
from blastwall.detect.monitors.models import Monitor
from blastwall.exceptions import Conflict
from blastwall.oncall import resolve
from blastwall.policies.models import PolicyRow
from blastwall.readiness.schemas import Check
from blastwall.registry import releases
from blastwall.registry.models import System
from blastwall.traces.models import Trace
from blastwall.triage.models import TriageTree

TRACE_WINDOW = timedelta(hours=24)  # "traces arriving": at least one in the last day
ACTION_SCAN = 2000  # newest traces read for the actions they fired (payload JSON)
APPLY = "blastwall apply -f blastwall.yaml"
REASON = '--reason "WHY"'


@dataclass(frozen=True)
class Facts:
    """One system, where and when to look, and how far back a kill pull counts."""

    session: Session
    system: System
    environment: str
    now: datetime
    kill_days: int

    @property
    def name(self) -> str:
        return self.system.name


def _check(name: str, title: str, ok: bool, detail: str, fix: str | None) -> Check:
    return Check(name=name, title=title, ok=ok, detail=detail, fix=None if ok else fix)


def _yaml(facts: Facts, body: str) -> str:
    """A snippet under the system's entry in blastwall.yaml, then the apply that loads it."""
    indented = "\n".join(f"    {line}" for line in body.splitlines())
    return f"systems:\n  - name: {facts.name}\n{indented}\nthen: {APPLY}"


def _recent(facts: Facts) -> Any:
    return select(Trace).where(
        Trace.system == facts.name,
        Trace.environment == facts.environment,
        Trace.received_at >= facts.now - TRACE_WINDOW,
        Trace.received_at <= facts.now,
    )


def versioned_surfaces(facts: Facts) -> Check:
    """A release is in force and the newest trace carries it: surfaces are versioned in use."""
    title = "Versioned surfaces in use"
    session, env = facts.session, facts.environment
    deployment = releases.active_deployment(session, facts.system, env)
    if deployment is None:
        newest = releases.newest_release(session, facts.system)
        if newest is None:
            detail = "no release yet: prompts, models and sources are not versioned"
            if facts.system.surfaces:
                surface = min(s.name for s in facts.system.surfaces)
                fix = f"blastwall release create {facts.name} v1 --surface {surface}=FILE.yaml"
            else:
                fix = _yaml(facts, "surfaces:\n  - {name: system-prompt, kind: prompt}")
            return _check("versioned_surfaces", title, False, detail, fix)
        fix = f"blastwall release activate {facts.name} {newest.name} --env {env} {REASON}"
        detail = f"no release in force in {env}"
        return _check("versioned_surfaces", title, False, detail, fix)
    active = deployment.release.name
    newest_trace = session.scalars(
        _recent(facts).order_by(Trace.received_at.desc(), Trace.id.desc()).limit(1)
    ).first()
    if newest_trace is None or newest_trace.release is None:
        seen = "no trace in the last 24 h" if newest_trace is None else "the newest trace has none"
        detail = f"{active} is in force in {env} but {seen} carries a release"
        fix = (
            f'guard = Guard(system="{facts.name}", environment="{env}", server=URL): '
            "leave release= unset, the Guard follows the release in force (docs/sdk.md)"
        )
        return _check("versioned_surfaces", title, False, detail, fix)
    detail = f"{active} in force in {env}; the newest trace ran {newest_trace.release}"
    return _check("versioned_surfaces", title, True, detail, None)


def traces_arriving(facts: Facts) -> Check:
    """Traces reached the server in the last 24 hours: the monitors have something to watch."""
    count = facts.session.scalar(select(func.count()).select_from(_recent(facts).subquery()))
    ok = bool(count)
    detail = f"{count} trace(s) from {facts.environment} in the last 24 h"
    fix = (
        f'wrap each model call in `with guard.call(...)` of Guard(system="{facts.name}", '
        f'environment="{facts.environment}", server=URL, token=TOKEN) (docs/sdk.md)'
    )
    return _check("traces_arriving", "Traces arriving", ok, detail, fix)


def canary_gate(facts: Facts) -> Check:
    """Releases must pass the system's canaries before they are activated."""
    target = facts.session.get(CanaryTarget, facts.system.id)
    ok = target is not None and target.release_gate
    detail = (
        "releases must pass canaries before activation"
        if ok
        else "no canary target"
        if target is None
        else "the canary target has release_gate off"
    )
    body = "canary_target: {kind: http, url: URL, release_gate: true}\ncanaries: [...]"
    return _check("canary_gate", "Canary gate on", ok, detail, _yaml(facts, body))


def monitors_calibrated(facts: Facts) -> Check:
    """At least one enabled monitor, and every enabled one past learning, watching."""
    monitors = facts.session.scalars(
        select(Monitor)
        .where(Monitor.system_id == facts.system.id, Monitor.enabled.is_(True))
        .order_by(Monitor.name)
    ).all()
    title = "Monitors calibrated and out of learning"
    if not monitors:
        body = "monitors:\n  - {name: refusals, signal: refusal_rate, environment: prod}"
        return _check("monitors", title, False, "no enabled monitor", _yaml(facts, body))
    waiting = [
        f"{m.name} ({m.state.phase if m.state else Phase.learning.value})"
        for m in monitors
        if m.state is None or m.state.phase != Phase.monitoring.value
    ]
    if waiting:
        detail = "not watching yet: " + ", ".join(waiting)
        fix = f"blastwall monitor list {facts.name}  (learning ends after the reference window)"
        return _check("monitors", title, False, detail, fix)
    detail = f"{len(monitors)} monitor(s) watching: " + ", ".join(m.name for m in monitors)
    return _check("monitors", title, True, detail, None)


def _actions_seen(facts: Facts) -> dict[str, set[str]]:
    """Action name -> the gates it went through in recent traces ('none' when ungated)."""
    payloads = facts.session.scalars(
        _recent(facts).with_only_columns(Trace.payload).order_by(Trace.id.desc()).limit(ACTION_SCAN)
    )
    seen: dict[str, set[str]] = {}
    for payload in payloads:
        for action in (payload or {}).get("actions") or []:
            if isinstance(action, dict) and isinstance(action.get("name"), str):
                seen.setdefault(action["name"], set()).add(str(action.get("gate") or "none"))
    return seen


def action_gates(facts: Facts) -> Check:
    """Every irreversible action is seen gated (validator or approval), never ungated."""
    title = "Action gates on irreversible actions"
    irreversible = sorted(a.name for a in facts.system.actions if not a.reversible)
    if not irreversible:
        return _check("action_gates", title, True, "no irreversible action declared", None)
    seen = _actions_seen(facts)
    approved = set(
        facts.session.scalars(
            select(ApprovalRequest.action).where(ApprovalRequest.system == facts.name).distinct()
        )
    )
    problems = []
    for name in irreversible:
        gates = seen.get(name, set()) | ({"approval"} if name in approved else set())
        if "none" in gates:
            problems.append(f"{name} fired without a gate")
        elif not gates:
            problems.append(f"{name} never seen gated")
    ok = not problems
    detail = "; ".join(problems) if problems else "gated: " + ", ".join(irreversible)
    first = next(p.split(" ")[0] for p in problems) if problems else ""
    fix = f'guard.declare_action("{first}", reversible=False, approval=True)  (docs/sdk.md)'
    return _check("action_gates", title, ok, detail, fix)


def fallback_declared(facts: Facts) -> Check:
    """Users get something when the system is killed, and safe mode has a path to take."""
    ok = bool(facts.system.fallback.strip())
    detail = "fallback: " + facts.system.fallback if ok else "no fallback declared"
    body = 'fallback: "Tickets go to the human queue."\nstale_policy: safe_mode\nstale_after_s: 60'
    fix = _yaml(facts, body) + '\nand in the app: @guard.fallback("safe_mode")'
    return _check("fallback", "Safe mode and fallbacks declared", ok, detail, fix)


def kill_exercised(facts: Facts) -> Check:
    """The kill switch was pulled (drill or real) within ``kill_days``: it is known to work."""
    since = facts.now - timedelta(days=facts.kill_days)
    entries = facts.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action.in_(("lever.kill", "lever.change")),
            AuditEntry.target.like(f"{facts.name}/%"),
            AuditEntry.at >= since,
            AuditEntry.at <= facts.now,
        )
        .order_by(AuditEntry.seq.desc())
    )
    pulled = next(
        (
            e
            for e in entries
            # LIKE's '_' matches any character: compare the system part exactly.
            if e.target.split("/")[0] == facts.name and (e.after or {}).get("killed") is True
        ),
        None,
    )
    title = f"Kill switch exercised in the last {facts.kill_days} days"
    if pulled is None:
        detail = f"no kill pulled since {since:%Y-%m-%d}"
        env = facts.environment if facts.environment != "prod" else "staging"
        env = env if env in facts.system.environments else facts.environment
        fix = (
            f'blastwall kill {facts.name} --env {env} --reason "drill" && '
            f'blastwall restore {facts.name} --env {env} --reason "drill"'
        )
        return _check("kill_exercised", title, False, detail, fix)
    detail = f"last pulled {pulled.at:%Y-%m-%d %H:%M} UTC by {pulled.actor} on {pulled.target}"
    return _check("kill_exercised", title, True, detail, None)


def on_call(facts: Facts) -> Check:
    """A severity-1 page on the system reaches a person now."""
    now = resolve.now(facts.session, facts.name, 1, facts.now)
    people = [p.name for level in now.levels for p in level.people]
    policy = now.policy
    ok = policy is not None and (bool(people) or policy.pagerduty_service is not None)
    if policy is None:
        detail = "no escalation policy covers a severity 1"
    elif ok:
        detail = f"policy {policy.name}: " + (", ".join(people) or policy.pagerduty_service or "")
    else:
        detail = f"policy {policy.name} pages nobody now"
    coverage = f"  coverage:\n    - policy: POLICY\n      systems: [{facts.name}]"
    fix = f"oncall:\n{coverage}\nthen: {APPLY}"
    return _check("on_call", "On-call coverage", ok, detail, fix)


def owner_named(facts: Facts) -> Check:
    ok = bool(facts.system.owner.strip())
    detail = f"owner: {facts.system.owner}" if ok else "no owner"
    fix = _yaml(facts, "owner: Dana Okafor (support-ml team)")
    return _check("owner", "Named owner", ok, detail, fix)


def runbook_complete(facts: Facts) -> Check:
    """The runbook has what a responder needs: a triage tree, a known-good release, policies."""
    session, missing, fixes = facts.session, [], []
    tree = session.scalar(select(TriageTree).where(TriageTree.system_id == facts.system.id))
    if tree is None or not tree.questions:
        missing.append("triage tree")
        fixes.append(f"triage:\n  - system: {facts.name}\n    questions: [...]\nthen: {APPLY}")
    try:
        releases.newest_known_good(session, facts.system)
    except Conflict:
        missing.append("known-good release")
        newest = releases.newest_release(session, facts.system)
        fixes.append(
            f"blastwall release mark-known-good {facts.name} "
            f"{newest.name if newest else 'RELEASE'} {REASON}"
        )
    policies = session.scalar(
        select(func.count()).select_from(PolicyRow).where(PolicyRow.system == facts.name)
    )
    if not policies:
        missing.append("auto-containment policy")
        fixes.append(f"policies:\n  - name: NAME\n    system: {facts.name}\n    ...\nthen: {APPLY}")
    ok = not missing
    detail = (
        "triage tree, known-good release and policies" if ok else "missing: " + ", ".join(missing)
    )
    return _check("runbook", "Runbook complete", ok, detail, "\n".join(fixes))


CHECKS: list[Callable[[Facts], Check]] = [
    versioned_surfaces,
    traces_arriving,
    canary_gate,
    monitors_calibrated,
    action_gates,
    fallback_declared,
    kill_exercised,
    on_call,
    owner_named,
    runbook_complete,
]
