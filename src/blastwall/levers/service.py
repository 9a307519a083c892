"""Lever changes (C1-C6): the one function every change goes through, and lever queries.

``change`` checks the input and the actor's authority, bumps the global lever revision
and records the change (``changes.record``): the hash-chained audit entry (who, when, why,
before, after), then, through subscribers, the incident's timeline entry when the change
is for an incident and, once the caller commits, the announcement to SDK streams. A
change that alters nothing is a no-op: no revision, no audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record, references, revisions
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate_items
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.levers import authority, declared
from blastwall.levers.enums import ALL_ENVIRONMENTS, Lever
from blastwall.levers.models import LeverState
from blastwall.levers.schemas import LeverSet
from blastwall.registry.models import System

LEVER_REVISION = revisions.LEVER_REVISION

FIELD_LEVERS: dict[str, Lever] = {
    "killed": Lever.kill,
    "human_fallback": Lever.human_fallback,
    "safe_mode": Lever.safe_mode,
    "reroute_model": Lever.reroute,
    "filters": Lever.filters,
    "filter_terms": Lever.filters,
    "filter_patterns": Lever.filters,
    "filter_stage": Lever.filters,
    "disabled_tools": Lever.disable_tools,
    "retrieval_sources": Lever.narrow_retrieval,
}

NORMAL: dict[str, Any] = {
    "killed": False,
    "human_fallback": False,
    "safe_mode": False,
    "reroute_model": None,
    "filters": [],
    "filter_terms": [],
    "filter_patterns": [],
    "filter_stage": "both",
    "disabled_tools": [],
    "retrieval_sources": None,
}
"""Every lever at rest: what ``restore`` sets and what a never-changed system has."""


@dataclass(frozen=True)
class LeverChange:
    """The outcome of :func:`change`: the state in force and whether it moved."""

    state: LeverState
    changed: bool
    audit_seq: int | None = None


def get_system(session: Session, name: str) -> System:
    system = session.scalar(select(System).where(System.name == name))
    if system is None:
        raise NotFound(f"no system named {name!r}; `blastwall systems` lists the systems")
    return system


def _check_environment(system: System, environment: str) -> None:
    if environment == ALL_ENVIRONMENTS or environment in system.environments:
        return
    known = ", ".join(system.environments) or "none declared"
    raise InvalidInput(
        f"environment {environment!r} is not one of {system.name}'s environments ({known}); "
        "use one of them, or '*' for all environments",
        field="environment",
    )


def _parse(changes: LeverSet | Mapping[str, Any]) -> LeverSet:
    if isinstance(changes, LeverSet):
        parsed = changes
    else:
        try:
            parsed = LeverSet.model_validate(changes)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = "set." + ".".join(str(p) for p in first["loc"])
            raise InvalidInput(f"{field}: {first['msg']}", field=field) from None
    if not parsed.model_fields_set:
        levers = ", ".join(FIELD_LEVERS)
        raise InvalidInput(f"set is empty: name at least one lever to set ({levers})", field="set")
    return parsed


def snapshot(state: LeverState | None) -> dict[str, Any]:
    """The lever values of ``state`` as plain data (for audit, timeline and no-op checks)."""
    if state is None:
        return dict(NORMAL)
    return {
        "killed": state.killed,
        "human_fallback": state.human_fallback,
        "safe_mode": state.safe_mode,
        "reroute_model": state.reroute_model,
        "filters": list(state.filters),
        "filter_terms": list(state.filter_terms),
        "filter_patterns": list(state.filter_patterns),
        "filter_stage": state.filter_stage,
        "disabled_tools": list(state.disabled_tools),
        "retrieval_sources": (
            None if state.retrieval_sources is None else list(state.retrieval_sources)
        ),
    }


def describe(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """One line naming each lever that moved, e.g. ``killed off -> on, filters [] -> [pii]``."""

    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        if value is None:
            return "none"
        if isinstance(value, list):
            return "[" + ", ".join(value) + "]"
        return str(value)

    moved = [f"{k} {show(before[k])} -> {show(after[k])}" for k in NORMAL if before[k] != after[k]]
    return ", ".join(moved) or "no lever moved"


def _stored(session: Session, system: System, environment: str) -> LeverState | None:
    stmt = select(LeverState).where(
        LeverState.system_id == system.id, LeverState.environment == environment
    )
    # Re-read after taking the locks: a copy cached earlier in this session may be stale.
    return session.scalar(stmt.execution_options(populate_existing=True))


def _default(system: System, environment: str) -> LeverState:
    """A never-changed scope: every lever at rest, revision 0 (not added to the session)."""
    return LeverState(
        system=system,
        system_id=system.id,
        environment=environment,
        revision=0,
        updated_at=system.created_at,
        updated_by="",
        **{k: (list(v) if isinstance(v, list) else v) for k, v in NORMAL.items()},
    )


def _levers_pulled(parsed: LeverSet) -> list[Lever]:
    """The levers authority is checked for: a full reset is ``restore``, else one per field."""
    values = parsed.model_dump(include=parsed.model_fields_set)
    if values == NORMAL:
        return [Lever.restore]
    return sorted({FIELD_LEVERS[name] for name in values})


def _action(levers: list[Lever], after: Mapping[str, Any]) -> str:
    if levers == [Lever.restore]:
        return "lever.restore"
    if levers == [Lever.kill] and after["killed"]:
        return "lever.kill"
    return "lever.change"


def change(
    session: Session,
    system_name: str,
    environment: str,
    changes: LeverSet | Mapping[str, Any],
    *,
    actor: Actor,
    reason: str,
    incident_id: int | None = None,
) -> LeverChange:
    """Set levers for one system and environment ('*' = all); the only way levers change."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "reason is required: say why you are changing the levers, e.g. "
            "'refund classifier routes 9% of cases to fraud'",
            field="reason",
        )
    parsed = _parse(changes)
    system = get_system(session, system_name)
    _check_environment(system, environment)
    if incident_id is not None:
        references.require(session, "incident", incident_id, field="incident_id")
    levers = _levers_pulled(parsed)
    for lever in levers:
        authority.check(session, actor, lever, system.name)

    # Audit first, then the revision: every writer takes counters in this order.
    revisions.lock(session)
    state = _stored(session, system, environment)
    before = snapshot(state)
    after = {**before, **parsed.model_dump(include=parsed.model_fields_set)}
    declared.check(session, system, before, after)
    if after == before:
        return LeverChange(state or _default(system, environment), changed=False)

    old_revision = state.revision if state else 0
    # Draw the revision before touching the row: drawing it flushes pending changes.
    revision = revisions.draw(session)
    if state is None:
        state = LeverState(system=system, environment=environment)
        session.add(state)
    for name, value in after.items():
        setattr(state, name, value)
    state.revision = revision
    state.updated_at = utcnow()
    state.updated_by = actor.name
    session.flush()

    scope = "all environments" if environment == ALL_ENVIRONMENTS else environment
    recorded = record(
        session,
        Change(
            actor=actor,
            action=_action(levers, after),
            target=f"{system.name}/{environment}",
            reason=reason,
            before={**before, "revision": old_revision},
            after={**after, "revision": state.revision},
            incident_id=incident_id,
            system=system.name,
            timeline=f"{system.name} ({scope}): {describe(before, after)}. Why: {reason}",
            data={
                "system": system.name,
                "environment": environment,
                "revision": state.revision,
                "before": before,
                "after": after,
            },
        ),
    )
    return LeverChange(state, changed=True, audit_seq=recorded.audit_seq)


def kill(
    session: Session,
    system_name: str,
    environment: str = ALL_ENVIRONMENTS,
    *,
    actor: Actor,
    reason: str,
    incident_id: int | None = None,
) -> LeverChange:
    """C1: refuse every AI call of the system in ``environment``."""
    return change(
        session,
        system_name,
        environment,
        LeverSet(killed=True),
        actor=actor,
        reason=reason,
        incident_id=incident_id,
    )


def restore(
    session: Session,
    system_name: str,
    environment: str = ALL_ENVIRONMENTS,
    *,
    actor: Actor,
    reason: str,
    incident_id: int | None = None,
) -> LeverChange:
    """Every lever of the system in ``environment`` back to normal."""
    return change(
        session,
        system_name,
        environment,
        LeverSet.model_validate(NORMAL),
        actor=actor,
        reason=reason,
        incident_id=incident_id,
    )


def get(session: Session, system_name: str, environment: str = ALL_ENVIRONMENTS) -> LeverState:
    """The levers set for exactly this scope; a never-changed scope has revision 0."""
    system = get_system(session, system_name)
    _check_environment(system, environment)
    return _stored(session, system, environment) or _default(system, environment)


def list_for_system(
    session: Session, system_name: str, page: PageQuery | None = None
) -> Page[LeverState]:
    """Every scope with levers set, the all-environments one ('*') first and always present.

    Paged in Python: the unstored default '*' scope is no row to page on, and a system has
    one scope per declared environment at most.
    """
    system = get_system(session, system_name)
    stmt = select(LeverState).where(LeverState.system_id == system.id)
    states = list(session.scalars(stmt))
    if not any(s.environment == ALL_ENVIRONMENTS for s in states):
        states.append(_default(system, ALL_ENVIRONMENTS))
    return paginate_items(states, key=_scope_order, width=2, list_name="lever-states", page=page)


def _scope_order(state: LeverState) -> tuple[str, str]:
    """All environments ('*') first, then the environments by name."""
    return ("0" if state.environment == ALL_ENVIRONMENTS else "1", state.environment)


def since(session: Session, revision: int, *, system_name: str | None = None) -> list[LeverState]:
    """States changed after ``revision``, oldest first (what an SDK missed)."""
    if revision < 0:
        raise InvalidInput(
            f"since must be 0 or more (got {revision}); 0 returns every state", field="since"
        )
    stmt = select(LeverState).where(LeverState.revision > revision)
    if system_name is not None:
        stmt = stmt.where(LeverState.system_id == get_system(session, system_name).id)
    return list(session.scalars(stmt.order_by(LeverState.revision)))


def resume_point(session: Session, since: int) -> int:
    """Where a client resumes: ``since``, or 0 when it is ahead of the newest revision.

    A client ahead of the server followed another database (restored from an older
    backup, or replaced); it gets every state so it can start over.
    """
    if since < 0:
        raise InvalidInput(
            f"since must be 0 or more (got {since}); 0 returns every state", field="since"
        )
    return since if since <= current_revision(session) else 0


def feed(
    session: Session, revision: int, *, system_name: str | None = None
) -> tuple[int, list[LeverState]]:
    """What an SDK polls: the newest revision, and the states newer than ``revision``."""
    # Newest first: a change committing in between is then sent twice, never missed.
    newest = current_revision(session)
    states = since(session, resume_point(session, revision), system_name=system_name)
    return newest, states


def current_revision(session: Session) -> int:
    """The newest lever revision (0 before the first change)."""
    return revisions.current(session)
