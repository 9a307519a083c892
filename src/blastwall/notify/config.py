"""Planning and applying the ``channels:`` and ``routes:`` sections of ``blastwall.yaml``.

config_as_code validates the file and calls :func:`plan` (read-only, also for ``--dry-run``)
and then :func:`apply` in its one transaction. A section given is the whole truth: channels
or routes it no longer lists are deleted. A section left out is unmanaged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.notify import factory
from blastwall.notify.models import NotifyChannel, NotifyRoute
from blastwall.notify.specs import ChannelSpec, RouteSpec

CHANNEL, ROUTE = "notify_channel", "notify_route"
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Step:
    """One plan step: action (create, update, delete, unchanged, unmanaged), kind, name, changes."""

    action: str
    kind: str
    name: str
    changes: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Writes:
    """What apply replaces: the whole channel list, the whole route list (None: leave it)."""

    channels: tuple[ChannelSpec, ...] | None = None
    routes: tuple[RouteSpec, ...] | None = None


@dataclass
class Planned:
    steps: list[Step] = field(default_factory=list)
    problems: list[tuple[Loc, str]] = field(default_factory=list)
    writes: Writes = field(default_factory=Writes)


def _diff(
    kind: str, wanted: Mapping[str, dict[str, Any]], stored: Mapping[str, dict[str, Any]]
) -> tuple[list[Step], bool]:
    steps, changed = [], False
    for name, after in wanted.items():
        before = stored.get(name)
        if before is None:
            steps.append(Step("create", kind, name, {k: (None, v) for k, v in after.items()}))
            changed = True
            continue
        fields = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
        steps.append(Step("update" if fields else "unchanged", kind, name, fields))
        changed = changed or bool(fields)
    for name, before in stored.items():
        if name not in wanted:
            steps.append(Step("delete", kind, name, {k: (v, None) for k, v in before.items()}))
            changed = True
    return steps, changed


def _channel_fields(row: NotifyChannel) -> dict[str, Any]:
    return {"type": row.type, **row.settings}


def _route_fields(row: NotifyRoute) -> dict[str, Any]:
    return {
        "events": row.events,
        "systems": row.systems,
        "severities": row.severities,
        "channels": row.channels,
    }


def plan(
    session: Session,
    channels: Sequence[ChannelSpec] | None,
    routes: Sequence[RouteSpec] | None,
    systems: Collection[str],
    environ: Mapping[str, str] | None = None,
) -> Planned:
    """The steps applying these sections takes; problems name the key they are about."""
    planned = Planned()
    stored_channels = {r.name: r for r in session.scalars(select(NotifyChannel))}
    channel_names = set(stored_channels)
    write_channels: tuple[ChannelSpec, ...] | None = None
    if channels is None:
        if stored_channels:
            planned.steps.append(Step("unmanaged", CHANNEL, "*"))
    else:
        _unique(planned, "channels", [c.name for c in channels])
        wanted = {c.name: {"type": c.type.value, **c.stored()} for c in channels}
        steps, changed = _diff(
            CHANNEL, wanted, {n: _channel_fields(r) for n, r in stored_channels.items()}
        )
        planned.steps += [_with_status(step, wanted, environ) for step in steps]
        channel_names = set(wanted)
        write_channels = tuple(channels) if changed else None
    write_routes: tuple[RouteSpec, ...] | None = None
    stored_routes = {r.name: r for r in session.scalars(select(NotifyRoute))}
    if routes is None:
        if stored_routes:
            planned.steps.append(Step("unmanaged", ROUTE, "*"))
    else:
        _unique(planned, "routes", [r.name for r in routes])
        _check_routes(planned, routes, channel_names, systems)
        wanted = {r.name: r.stored() for r in routes}
        steps, changed = _diff(
            ROUTE, wanted, {n: _route_fields(r) for n, r in stored_routes.items()}
        )
        planned.steps += steps
        order = [r.name for r in routes] != [
            r.name for r in sorted(stored_routes.values(), key=lambda r: r.position)
        ]
        write_routes = tuple(routes) if changed or order else None
    if channels is None and routes is None:
        return planned
    if routes is None and channels is not None:
        for route in stored_routes.values():
            for name in route.channels:
                if name not in channel_names:
                    planned.problems.append(
                        (
                            ("channels",),
                            f"route {route.name!r} sends to channel {name!r}, "
                            "which this file removes: keep the channel, or change the route too",
                        )
                    )
    planned.writes = Writes(write_channels, write_routes)
    return planned


def _with_status(
    step: Step, wanted: Mapping[str, dict[str, Any]], environ: Mapping[str, str] | None
) -> Step:
    """Name a channel the server cannot send on as disabled, and why, in the plan."""
    if step.action == "delete":
        return step
    settings = {k: v for k, v in wanted[step.name].items() if k != "type"}
    resolved = factory.resolve(settings, environ)
    if isinstance(resolved, factory.Disabled):
        return Step(
            step.action,
            step.kind,
            f"{step.name} (disabled: {resolved.short or resolved.reason})",
            step.changes,
        )
    return step


def _unique(planned: Planned, section: str, names: list[str]) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            planned.problems.append(
                (
                    (section, index, "name"),
                    f"{name!r} is declared twice (also {section}[{seen[name]}]): "
                    "rename or remove one",
                )
            )
        seen.setdefault(name, index)


def _check_routes(
    planned: Planned,
    routes: Sequence[RouteSpec],
    channels: Collection[str],
    systems: Collection[str],
) -> None:
    for index, route in enumerate(routes):
        for position, name in enumerate(route.channels):
            if name not in channels:
                known = ", ".join(sorted(channels)) or "none yet"
                planned.problems.append(
                    (
                        ("routes", index, "channels", position),
                        f"{name!r} is not a channel (declared: {known}): declare it under channels",
                    )
                )
        for position, system in enumerate(route.systems):
            if system not in systems:
                planned.problems.append(
                    (
                        ("routes", index, "systems", position),
                        f"{system!r} is neither declared under systems nor known to "
                        "Blastwall: fix the name, or declare the system",
                    )
                )


def apply(session: Session, writes: Writes, actor: Actor) -> None:
    """Replace the channels and routes ``writes`` carries; each change is audited."""
    now = utcnow()
    if writes.channels is not None:
        _replace_channels(session, writes.channels, actor, now)
    if writes.routes is not None:
        _replace_routes(session, writes.routes, actor, now)
    session.flush()


def _replace_channels(
    session: Session, specs: Sequence[ChannelSpec], actor: Actor, now: Any
) -> None:
    stored = {r.name: r for r in session.scalars(select(NotifyChannel))}
    wanted = {spec.name: spec for spec in specs}
    for name, old in stored.items():
        if name not in wanted:
            _audit(
                session,
                actor,
                action="notify_channel.delete",
                name=name,
                before=_channel_fields(old),
                after=None,
            )
            session.delete(old)
    for spec in specs:
        after = {"type": spec.type.value, **spec.stored()}
        row = stored.get(spec.name)
        if row is None:
            session.add(
                NotifyChannel(
                    name=spec.name, type=spec.type.value, settings=spec.stored(), updated_at=now
                )
            )
            _audit(
                session,
                actor,
                action="notify_channel.create",
                name=spec.name,
                before=None,
                after=after,
            )
        elif _channel_fields(row) != after:
            before = _channel_fields(row)
            row.type, row.settings, row.updated_at = spec.type.value, spec.stored(), now
            _audit(
                session,
                actor,
                action="notify_channel.update",
                name=spec.name,
                before=before,
                after=after,
            )


def _replace_routes(session: Session, specs: Sequence[RouteSpec], actor: Actor, now: Any) -> None:
    stored = {r.name: r for r in session.scalars(select(NotifyRoute))}
    wanted = {spec.name for spec in specs}
    for name, old in stored.items():
        if name not in wanted:
            _audit(
                session,
                actor,
                action="notify_route.delete",
                name=name,
                before=_route_fields(old),
                after=None,
            )
            session.delete(old)
    for position, spec in enumerate(specs):
        after = spec.stored()
        row = stored.get(spec.name)
        if row is None:
            session.add(NotifyRoute(name=spec.name, position=position, updated_at=now, **after))
            _audit(
                session,
                actor,
                action="notify_route.create",
                name=spec.name,
                before=None,
                after=after,
            )
            continue
        before = _route_fields(row)
        row.position = position
        if before != after:
            row.events, row.systems = after["events"], after["systems"]
            row.severities, row.channels = after["severities"], after["channels"]
            row.updated_at = now
            _audit(
                session,
                actor,
                action="notify_route.update",
                name=spec.name,
                before=before,
                after=after,
            )


def _audit(
    session: Session,
    actor: Actor,
    *,
    action: str,
    name: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    record(session, Change(action=action, target=name, actor=actor, before=before, after=after))
