"""L3: an action item creates the monitor, canary or gate it asks for, prefilled from the incident.

Creation goes through the owning domain's own service (``detect.monitors.service.create``,
``canaries.service.put_set``), so it is validated, audited and picked up (the detection
engine watches a new monitor from its next tick) exactly as if declared by hand. The
item records what it created, in one ``action_item.create`` change.

Prefill: a monitor copies the signal, parameters and reference of the monitor whose alarm
joined the incident (the one that fired late), or watches the share of each output label
seen in the incident's window; it implies the incident's classes and harm. A canary
replays the inputs of the incident's example traces; the check is yours to give. A gate:
``gates.py``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.blastradius import service as blastradius
from blastwall.canaries import service as canaries
from blastwall.canaries.schemas import CanarySetBody
from blastwall.changes import Change, record
from blastwall.detect.monitors import service as monitors
from blastwall.detect.monitors.models import Alarm, Monitor
from blastwall.detect.monitors.schemas import MonitorCreate
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident
from blastwall.postmortems import actions, gates
from blastwall.postmortems.enums import Creates
from blastwall.postmortems.models import ActionItem
from blastwall.traces.models import Trace

CANARY_CASES = 5


def _late_monitor(session: Session, incident: Incident) -> Monitor | None:
    query = (
        select(Monitor)
        .join(Alarm, Alarm.monitor_id == Monitor.id)
        .where(Alarm.incident_id == incident.id)
        .order_by(Alarm.id)
        .limit(1)
    )
    return session.scalar(query)


def monitor_prefill(session: Session, item: ActionItem, incident: Incident) -> dict[str, Any]:
    """The monitor the item would create, before the caller's overrides."""
    spec: dict[str, Any] = {
        "name": f"incident-{incident.id}-item-{item.id}",
        "description": f"From action item {item.id} of incident {incident.id}: {item.title}",
        "classes": list(incident.classes),
        "harm": incident.harm,
    }
    late = _late_monitor(session, incident)
    if late is not None:
        spec.update(
            signal=late.signal,
            params=late.params,
            environment=late.environment,
            reference=late.reference,
        )
        return spec
    labels = sorted(
        label
        for label in blastradius.compute(session, incident.id).outputs_by_label
        if label != "(none)"
    )
    if len(labels) >= 2:
        spec.update(signal="output_category", params={"categories": labels})
    return spec


def canary_prefill(session: Session, item: ActionItem, incident: Incident) -> dict[str, Any]:
    """The canary set the item would create: the example traces' inputs as prompts."""
    examples = blastradius.compute(session, incident.id, examples=CANARY_CASES).examples
    ids = [e.trace_id for e in examples]
    inputs = session.scalars(
        select(Trace.input_text)
        .where(Trace.trace_id.in_(ids), Trace.input_text.is_not(None))
        .order_by(Trace.at)
    )
    prompts = list(dict.fromkeys(text for text in inputs if text))
    return {
        "name": f"incident-{incident.id}-item-{item.id}",
        "description": f"From action item {item.id} of incident {incident.id}: {item.title}",
        "prompts": prompts,
    }


def _problems(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"spec.{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _create_monitor(
    session: Session, item: ActionItem, incident: Incident, overrides: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    system = incident.system.name if incident.system is not None else ""
    spec = {**monitor_prefill(session, item, incident), **overrides}
    if "signal" not in spec:
        raise InvalidInput(
            f"spec.signal: incident {incident.id} has no alarm to copy and its traces carry no "
            'labels to watch; send a spec such as {"signal": "output_category", "params": '
            '{"categories": ["approve", "refund"]}} (docs/detection.md lists the signals)',
            field="spec.signal",
        )
    try:
        body = MonitorCreate.model_validate(spec)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc)) from None
    monitor = monitors.create(session, system, body, actor)
    return {"kind": "monitor", "system": system, "name": monitor.name, "id": monitor.id}


def _create_canary(
    session: Session, item: ActionItem, incident: Incident, overrides: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    system = incident.system.name if incident.system is not None else ""
    prefill = canary_prefill(session, item, incident)
    overrides = dict(overrides)
    name = str(overrides.pop("name", prefill["name"]))
    check = overrides.pop("check", None)
    spec: dict[str, Any] = {"description": prefill["description"], **overrides}
    if "cases" not in spec:
        if check is None or not prefill["prompts"]:
            raise InvalidInput(
                "spec.check: a canary needs to know what a good answer is; send "
                '{"check": {"kind": "label", "value": "approve"}} to judge the replayed inputs '
                f"({len(prefill['prompts'])} found in the incident's traces), or your own "
                '"cases" (docs/canaries.md)',
                field="spec.check",
            )
        spec["cases"] = [
            {"name": f"case-{n}", "prompt": prompt, "check": check}
            for n, prompt in enumerate(prefill["prompts"], start=1)
        ]
    try:
        body = CanarySetBody.model_validate(spec)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc)) from None
    canary_set, _ = canaries.put_set(session, system, name, body, actor)
    return {"kind": "canary", "system": system, "name": name, "version": canary_set.version}


def create(
    session: Session, item_id: int, actor: Actor, overrides: dict[str, Any] | None = None
) -> ActionItem:
    """Create what the item asks for through its domain's service, and link it to the item."""
    item = actions.get(session, item_id, for_update=True)
    if item.created is not None:
        raise Conflict(
            f"action item {item_id} already created {item.created['kind']} "
            f"{item.created['name']!r} on {item.created['system']}",
            created=item.created,
        )
    if item.creates is None:
        raise InvalidInput(
            f"action item {item_id} ({item.category}) does not say what it creates; add an item "
            "with creates: monitor, canary or gate",
        )
    incident = incidents.get(session, item.incident_id)
    if incident.system is None:
        raise InvalidInput(
            f"incident {incident.id} names no system to create a {item.creates} on; declare it "
            "by hand on the right system (docs/detection.md, docs/canaries.md)",
        )
    if item.creates == Creates.gate:
        why = f"Gated after incident {incident.id} (action item {item.id}): {item.title}"
        created = gates.create(session, incident, dict(overrides or {}), actor, why)
    else:
        make = _create_monitor if item.creates == Creates.monitor else _create_canary
        created = make(session, item, incident, dict(overrides or {}), actor)
    item.created = created
    record(
        session,
        Change(
            actor=actor,
            action="action_item.create",
            target=f"action_item:{item.id}",
            after={"created": created},
            incident_id=item.incident_id,
            system=incident.system.name,
            timeline=(
                f"action item {item.id} created {created['kind']} {created['name']} on "
                f"{created['system']}"
            ),
            data={"action_item_id": item.id, "created": created},
        ),
    )
    return item
