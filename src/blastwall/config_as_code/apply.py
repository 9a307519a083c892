"""Apply a document: plan first, then make exactly the planned writes, all or nothing (P4)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.access.service import require_role
from blastwall.alerts import rules as alert_rules
from blastwall.canaries import service as canaries
from blastwall.canaries.policy import TargetPolicy
from blastwall.changes import Change, audit, record
from blastwall.config_as_code.enums import PlanAction
from blastwall.config_as_code.errors import ConfigError, Loc, Source
from blastwall.config_as_code.loader import parse
from blastwall.config_as_code.plan import MonitorWrite, Plan, compute_plan
from blastwall.config_as_code.schema import Document
from blastwall.detect.monitors import service as monitors
from blastwall.detect.monitors.schemas import MonitorUpdate
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.incidents import matrix
from blastwall.levers import authority
from blastwall.notify import config as notify_config
from blastwall.oncall import config as oncall
from blastwall.policies import service as policies
from blastwall.registry import releases
from blastwall.registry import service as registry
from blastwall.regulatory import regimes as regulatory_regimes
from blastwall.review import service as review
from blastwall.triage import config as triage
from blastwall.updates import config as communications

DEFAULT_TARGET = "blastwall.yaml"


@contextmanager
def _located(source: Source, loc: Loc) -> Iterator[None]:
    """Report a service's refusal at the document key it came from, with its line."""
    try:
        yield
    except ConfigError:
        raise
    except (InvalidInput, Conflict) as exc:
        fields = [e for e in exc.extra.get("errors", []) if isinstance(e, dict) and "field" in e]
        issues = [
            source.issue((*loc, *str(e["field"]).split(".")), str(e["message"])) for e in fields
        ] or [source.issue(loc, exc.detail)]
        raise ConfigError(issues) from exc


def apply(
    session: Session,
    document: Document,
    *,
    actor: Actor,
    dry_run: bool = False,
    policy: TargetPolicy | None = None,
) -> Plan:
    """Make Blastwall match ``document``; returns the plan that was (or, dry run, would be) done.

    Idempotent: a second apply of the same document plans only ``unchanged`` steps and
    writes nothing. Everything happens in one savepoint of the caller's transaction, so a
    refusal anywhere leaves nothing half written. The caller commits.  ``policy``: the
    canary target allow-lists (default: the server settings).
    """
    require_role(actor, Role.admin)
    policy = policy or TargetPolicy.of()
    if dry_run:
        return compute_plan(session, document, policy)
    with session.begin_nested() as savepoint:
        # Concurrent applies serialize here, before planning, so each plans against the last.
        audit.lock(session)
        plan = compute_plan(session, document, policy)
        if not plan.changed:
            savepoint.rollback()  # not even the lock's bookkeeping row is left behind
            return plan
        _carry_out(session, plan, document.source, actor, policy)
    return plan


def _carry_out_sections(session: Session, plan: Plan, source: Source, actor: Actor) -> None:
    """The top-level sections after the systems: each is whole, or left out and unmanaged."""
    if plan.writes.rules is not None:
        with _located(source, ("authority",)):
            authority.replace_rules(session, plan.writes.rules, actor)
    if plan.writes.matrix is not None:
        with _located(source, ("severity_matrix",)):
            matrix.set_matrix(session, plan.writes.matrix, actor)
    if plan.writes.oncall is not None:
        with _located(source, ("oncall",)):
            oncall.apply(session, plan.writes.oncall, actor)
    with _located(source, ("channels",)):
        notify_config.apply(session, plan.writes.notify, actor)
    if plan.writes.alert_rules is not None:
        with _located(source, ("alert_rules",)):
            alert_rules.replace(session, plan.writes.alert_rules, actor)
    if plan.writes.triage is not None:
        with _located(source, ("triage",)):
            triage.apply(session, plan.writes.triage, actor)
    if plan.writes.policies is not None:
        with _located(source, ("policies",)):
            policies.replace(session, plan.writes.policies, actor)
    if plan.writes.communications is not None:
        with _located(source, ("communications",)):
            communications.apply(session, plan.writes.communications, actor)


def _carry_out(
    session: Session, plan: Plan, source: Source, actor: Actor, policy: TargetPolicy
) -> None:
    """Make the plan's writes through each domain's service, then audit the apply itself."""
    for step in plan.writes.systems:
        with _located(source, ("systems", step.index)):
            if step.upsert:
                registry.upsert_system(session, step.spec, actor)
            if step.release is not None:
                releases.create_release(
                    session,
                    step.spec.name,
                    name=step.release.name,
                    surfaces=step.release.contents,
                    actor=actor,
                    notes=f"first versions from {source.file or DEFAULT_TARGET}",
                )
    for write in plan.writes.monitors:
        with _located(source, write.loc):
            _monitor(session, write, actor)
    for sampling in plan.writes.reviews:
        with _located(source, sampling.loc):
            review.configure(session, sampling.system, sampling.spec, actor)
    for target in plan.writes.canary_targets:
        with _located(source, target.loc):
            canaries.put_target(session, target.system, target.spec, actor, policy)
    for canary_set in plan.writes.canary_sets:
        with _located(source, canary_set.loc):
            canaries.put_set(session, canary_set.system, canary_set.name, canary_set.body, actor)
    for regimes in plan.writes.regimes:
        with _located(source, regimes.loc):
            regulatory_regimes.replace(session, regimes.system, regimes.specs, actor)
    _carry_out_sections(session, plan, source, actor)
    record(
        session,
        Change(
            actor=actor,
            action="config.apply",
            target=source.file or DEFAULT_TARGET,
            reason=plan.summary(),
            after={"steps": [i.as_dict() for i in plan.items if i.action.changes_something]},
        ),
    )


def _monitor(session: Session, write: MonitorWrite, actor: Actor) -> None:
    """One planned monitor change, through the monitors service (audited there)."""
    if write.action is PlanAction.delete:
        monitors.delete(session, write.system, write.name, actor)
        return
    assert write.spec is not None
    if write.action is PlanAction.create:
        monitors.create(session, write.system, write.spec, actor)
        return
    patch = MonitorUpdate.model_validate(write.spec.model_dump(exclude={"name"}))
    monitors.update(session, write.system, write.name, patch, actor)


def apply_data(
    session: Session,
    data: Any,
    *,
    actor: Actor,
    dry_run: bool = False,
    policy: TargetPolicy | None = None,
) -> Plan:
    """Validate parsed data (an API's JSON) and apply it; errors name the key path."""
    return apply(session, parse(data), actor=actor, dry_run=dry_run, policy=policy)
