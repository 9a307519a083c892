"""The regimes each system falls under: read, replace (a recorded change), and defaults."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.exceptions import InvalidInput
from blastwall.registry import service as registry
from blastwall.registry.models import System
from blastwall.regulatory.enums import Regime
from blastwall.regulatory.models import SystemRegime
from blastwall.regulatory.rules import REGIMES
from blastwall.regulatory.schemas import RegimeSpec

ACTION = "regulatory.regimes"


def resolved(spec: RegimeSpec) -> dict[str, Any]:
    """The stored shape of ``spec``: every default filled from REGULATORY.md's table."""
    info = REGIMES[spec.name]
    return {
        "name": spec.name.value,
        "effective": (spec.effective or info.effective).isoformat(),
        "authority": spec.authority or info.authority,
        "role": spec.role.value if spec.role is not None else None,
        "contact": spec.contact,
        "registration_id": spec.registration_id,
    }


def _stored(row: SystemRegime) -> dict[str, Any]:
    return {
        "name": row.regime,
        "effective": row.effective.isoformat(),
        "authority": row.authority,
        "role": row.role,
        "contact": row.contact,
        "registration_id": row.registration_id,
    }


def for_system_id(session: Session, system_id: int) -> list[SystemRegime]:
    query = select(SystemRegime).where(SystemRegime.system_id == system_id)
    order = [regime.value for regime in Regime]
    return sorted(session.scalars(query), key=lambda row: order.index(row.regime))


def current(session: Session, system: str) -> list[dict[str, Any]]:
    """The system's regimes as stored (NotFound for an unknown system)."""
    row = registry.get_by_name(session, system)
    return [_stored(r) for r in for_system_id(session, row.id)]


def check(specs: Sequence[RegimeSpec]) -> tuple[int, str] | None:
    """The first regime named twice: (position, message), or None."""
    seen: dict[Regime, int] = {}
    for position, spec in enumerate(specs):
        if spec.name in seen:
            return position, (
                f"regime {spec.name.value!r} is listed twice (also at {seen[spec.name]}): "
                "keep one entry per regime"
            )
        seen[spec.name] = position
    return None


def wanted(specs: Sequence[RegimeSpec]) -> list[dict[str, Any]]:
    """The stored shape of ``specs``, in ``Regime`` order (what ``replace`` would store)."""
    order = [regime.value for regime in Regime]
    return sorted((resolved(spec) for spec in specs), key=lambda item: order.index(item["name"]))


def stored_or_empty(session: Session, system: str) -> list[dict[str, Any]]:
    """The system's regimes as stored; empty for a system not created yet (plans)."""
    row = registry.get_by_name(session, system) if _exists(session, system) else None
    return [] if row is None else [_stored(r) for r in for_system_id(session, row.id)]


def _exists(session: Session, system: str) -> bool:
    return session.scalar(select(System.id).where(System.name == system)) is not None


def replace(
    session: Session, system: str, specs: Sequence[RegimeSpec], actor: Actor
) -> list[dict[str, Any]]:
    """Make ``specs`` the system's regimes; records one change when anything differs."""
    problem = check(specs)
    if problem is not None:
        raise InvalidInput(problem[1], field=f"regimes.{problem[0]}.name")
    row = registry.get_by_name(session, system, lock=True)
    before = [_stored(r) for r in for_system_id(session, row.id)]
    after = wanted(specs)
    if before == after:
        return after
    session.execute(delete(SystemRegime).where(SystemRegime.system_id == row.id))
    for item in after:
        session.add(
            SystemRegime(
                system_id=row.id,
                regime=item["name"],
                effective=date.fromisoformat(item["effective"]),
                authority=item["authority"],
                role=item["role"],
                contact=item["contact"],
                registration_id=item["registration_id"],
            )
        )
    session.flush()
    names = ", ".join(item["name"] for item in after) or "none"
    record(
        session,
        Change(
            action=ACTION,
            target=system,
            actor=actor,
            reason=f"regimes: {names}",
            before={"regimes": before},
            after={"regimes": after},
            system=system,
        ),
    )
    return after
