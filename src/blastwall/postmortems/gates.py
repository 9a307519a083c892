"""L3 for a blast-radius item: declare the action that spread the harm as gated.

An action gate lives in two places. The registry says which downstream actions are
irreversible (severity and the runbook read it); the app's Guard declares the action with
``reversible=False``, which makes every call ask a human through ``POST /approvals``
(docs/sdk.md). The server can only do the first, through the registry's own upsert (an
audited ``system.update``); what it creates carries the one line for the second.

Prefill: the downstream action fired most often in the incident's window.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.blastradius import service as blastradius
from blastwall.exceptions import Forbidden, InvalidInput
from blastwall.incidents.models import Incident
from blastwall.registry import service as registry
from blastwall.registry.models import System
from blastwall.registry.schemas import SystemSpec

FIELDS = frozenset({"action", "description"})


def prefill(session: Session, incident: Incident) -> dict[str, Any]:
    """The action to gate: the one fired most in the incident's window (ties: by name)."""
    fired = blastradius.compute(session, incident.id).actions
    ranked = sorted(fired, key=lambda a: (-a.fired, a.name))
    return {"action": ranked[0].name if ranked else None}


def _spec(system: System, action: str, description: str) -> SystemSpec:
    """The system as it is, with ``action`` declared irreversible (added if not declared)."""
    actions = {
        a.name: {"name": a.name, "reversible": a.reversible, "description": a.description}
        for a in system.actions
    }
    kept = actions.get(action, {"description": description})["description"]
    actions[action] = {"name": action, "reversible": False, "description": kept}
    return SystemSpec.model_validate(
        {
            "name": system.name,
            "description": system.description,
            "owner": system.owner,
            "risk_tier": system.risk_tier,
            "environments": list(system.environments),
            "fallback": system.fallback,
            "stale_policy": system.stale_policy,
            "stale_after_s": system.stale_after_s,
            "actions": list(actions.values()),
            "surfaces": [{"name": s.name, "kind": s.kind} for s in system.surfaces],
        }
    )


def create(
    session: Session, incident: Incident, overrides: dict[str, Any], actor: Actor, why: str
) -> dict[str, Any]:
    """Declare the action irreversible in the registry; what was created, with the SDK line.

    The inventory is the admin's (``PUT /systems/{name}``), so a gate needs an admin too.
    """
    if not actor.role.at_least(Role.admin):
        raise Forbidden(
            f"creating a gate changes {incident.system.name if incident.system else 'the'} "
            "system's inventory, which needs the admin role; ask an admin to run "
            "`blastwall actions create` for this item"
        )
    unknown = sorted(set(overrides) - FIELDS)
    if unknown:
        raise InvalidInput(
            f"spec.{unknown[0]}: a gate takes only {', '.join(sorted(FIELDS))}",
            field=f"spec.{unknown[0]}",
        )
    spec = {**prefill(session, incident), **overrides}
    action = spec.get("action")
    system = incident.system
    if not isinstance(action, str) or not action or system is None:
        raise InvalidInput(
            f"spec.action: no downstream action fired in incident {incident.id}'s window; "
            'name the one to gate, e.g. {"action": "issue_refund"}',
            field="spec.action",
        )
    try:
        wanted = _spec(system, action, str(spec.get("description") or why))
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise InvalidInput(f"spec.action: {problems}", field="spec.action") from None
    registry.upsert_system(session, wanted, actor)
    return {
        "kind": "gate",
        "system": system.name,
        "name": action,
        "sdk": f'guard.declare_action("{action}", reversible=False)',
    }
