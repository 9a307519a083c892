"""Alerts in: map each alert's labels to a system by the rules, then hand it to the intake.

A payload is checked whole before anything is written (every alert has a rule or a
system, every system exists), so a refused payload leaves nothing half done; the caller
owns the transaction. Each alert is audited (``alert.firing`` / ``alert.resolved``) with
the sending token's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.alerts import rules as rules_
from blastwall.alerts.schemas import (
    AlertmanagerPayload,
    AlertResult,
    GenericAlert,
    Outcome,
)
from blastwall.db.base import utcnow
from blastwall.exceptions import InvalidInput
from blastwall.incidents import intake
from blastwall.incidents.enums import Harm, IncidentClass
from blastwall.incidents.intake import TITLE_MAX
from blastwall.inputs import SPACE
from blastwall.registry.models import System


@dataclass(frozen=True)
class Incoming:
    """One alert from any sender, before its rule is applied."""

    where: str  # how the error messages name it: alerts[0], the alert
    source: intake.Source
    key: str
    fingerprint: str
    status: str
    labels: dict[str, str]
    title: str
    description: str
    started_at: datetime
    evidence: dict[str, Any]
    system: str | None = None
    harm: Harm | None = None
    severity: int | None = None
    classes: Sequence[IncidentClass] = field(default_factory=tuple)


@dataclass(frozen=True)
class Routed:
    """An alert with what its rule (or its own fields) says."""

    alert: Incoming
    system: str
    harm: Harm
    classes: Sequence[IncidentClass]
    may_resolve: bool
    rule: str | None


def receive_alertmanager(
    session: Session, payload: AlertmanagerPayload, actor: Actor
) -> list[AlertResult]:
    """Every alert of an Alertmanager v4 payload; labels are the common ones plus its own."""
    incoming = []
    for index, alert in enumerate(payload.alerts):
        labels = {**payload.common_labels, **alert.labels}
        annotations = {**payload.common_annotations, **alert.annotations}
        name = labels.get("alertname", "").strip(SPACE) or "alert"
        incoming.append(
            Incoming(
                where=f"alerts[{index}] (fingerprint {alert.fingerprint})",
                source=intake.Source.alertmanager,
                key=alert.fingerprint,
                fingerprint=alert.fingerprint,
                status=alert.status,
                labels=labels,
                title=annotations.get("summary", "").strip(SPACE)[:TITLE_MAX] or name[:TITLE_MAX],
                description=annotations.get("description", "").strip(SPACE),
                started_at=alert.starts_at,
                evidence={
                    "source": "alertmanager",
                    "fingerprint": alert.fingerprint,
                    "labels": labels,
                    "annotations": annotations,
                    "generator_url": alert.generator_url,
                    "starts_at": alert.starts_at.isoformat(),
                    "receiver": payload.receiver,
                    "group_key": payload.group_key,
                    "external_url": payload.external_url,
                },
            )
        )
    return _receive(session, incoming, actor)


def receive_generic(session: Session, alert: GenericAlert, actor: Actor) -> AlertResult:
    """One generic JSON alert; keyed by its source and fingerprint."""
    incoming = Incoming(
        where=f"the alert (fingerprint {alert.fingerprint})",
        source=intake.Source.alert,
        key=f"{alert.source}/{alert.fingerprint}",
        fingerprint=alert.fingerprint,
        status=alert.status,
        labels=dict(alert.labels),
        title=alert.title,
        description=alert.description,
        started_at=alert.started_at or utcnow(),
        evidence={
            "source": alert.source,
            "fingerprint": alert.fingerprint,
            "labels": dict(alert.labels),
            "description": alert.description,
            "links": [link.model_dump() for link in alert.links],
        },
        system=alert.system,
        harm=alert.harm,
        severity=alert.severity,
        classes=tuple(alert.classes),
    )
    return _receive(session, [incoming], actor)[0]


def _receive(session: Session, incoming: list[Incoming], actor: Actor) -> list[AlertResult]:
    rules = rules_.load(session)
    routed = [_route(session, rules, alert) for alert in incoming]
    now = utcnow()
    return [_one(session, r, actor, now) for r in routed]


def _route(session: Session, rules: Sequence[rules_.AlertRule], alert: Incoming) -> Routed:
    hit = rules_.first_match(rules, alert.labels)
    rule = hit[1] if hit else None
    name = rule.describe(hit[0]) if hit and rule else None
    if alert.system is None and rule is None:
        raise InvalidInput(_no_rule(alert, len(rules)))
    system = alert.system or (rule.system if rule else "")
    if session.scalar(select(System.id).where(System.name == system)) is None:
        by = f"its rule {name}" if name and alert.system is None else "it"
        raise InvalidInput(
            f"{alert.where}: {by} names system {system!r}, which is not registered: "
            "declare it under systems: in blastwall.yaml (or fix the rule's system)"
        )
    harm, severity = alert.harm, alert.severity
    if harm is None and severity is None and rule is not None:
        harm, severity = rule.harm, rule.severity
    if harm is None:
        harm = intake.harm_for_severity(session, system, severity) if severity else Harm.none
    classes = alert.classes or (rule.classes if rule else ())
    return Routed(alert, system, harm, classes, rule.resolve if rule else False, name)


def _no_rule(alert: Incoming, count: int) -> str:
    seen = ", ".join(f"{k}={v!r}" for k, v in sorted(alert.labels.items())) or "none"
    example = alert.labels.get("alertname") or alert.labels.get("service") or "NAME"
    key = "alertname" if "alertname" in alert.labels else "service"
    generic = "; or send `system` in the alert" if alert.source is intake.Source.alert else ""
    return (
        f"{alert.where}: none of the {count} alert rule(s) matches its labels ({seen}): "
        f"add a rule to blastwall.yaml and apply it, e.g. alert_rules: "
        f"[{{match: {{{key}: {example}}}, system: SYSTEM, severity: 2}}] (docs/alerts.md)"
        f"{generic}"
    )


def _one(session: Session, routed: Routed, actor: Actor, now: datetime) -> AlertResult:
    alert = routed.alert
    evidence = {**alert.evidence, "rule": routed.rule}
    after = {"system": routed.system, "rule": routed.rule}
    if alert.status == "firing":
        signal = intake.Signal(
            source=alert.source,
            key=alert.key,
            system=routed.system,
            title=alert.title,
            message=_sentence(alert, "firing"),
            action="alert.firing",
            started_at=alert.started_at,
            received_at=now,
            harm=routed.harm,
            classes=routed.classes,
            summary=alert.description,
            evidence=evidence,
            may_resolve=routed.may_resolve,
            audit_repeats=True,
            after=after,
        )
        out = intake.receive(session, signal, actor)
        incident_id: int | None = out.incident_id
        outcome = Outcome.repeat if out.repeat else Outcome.opened if out.opened else Outcome.joined
        detail = {
            Outcome.repeat: "already on this open incident: counted as a repeat",
            Outcome.opened: "opened a new incident",
            Outcome.joined: "joined the system's open incident",
        }[outcome]
    else:
        res = intake.resolve(
            session,
            alert.source,
            alert.key,
            at=now,
            actor=actor,
            message=_sentence(alert, "resolved"),
            may_resolve=routed.may_resolve,
            after=after,
        )
        incident_id, detail = res.incident_id, res.reason
        outcome = (
            Outcome.closed
            if res.resolved_incident
            else Outcome.resolved
            if res.incident_id
            else Outcome.no_incident
        )
    return AlertResult(
        fingerprint=alert.fingerprint,
        status="firing" if alert.status == "firing" else "resolved",
        system=routed.system,
        incident_id=incident_id,
        outcome=outcome,
        detail=detail,
    )


def _sentence(alert: Incoming, status: str) -> str:
    said = f": {alert.description}" if alert.description else ""
    return f"Alert {alert.title} {status} ({alert.source.value}){said}"
