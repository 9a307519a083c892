"""Routes for levers (C1-C6), the SDK lever feed and stream, the audit log and authority (I4)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import State

from blastwall.changes import audit, audit_verify
from blastwall.exceptions import InvalidInput
from blastwall.inputs import INT32_MAX, Position
from blastwall.levers import authority, model_kills, service, stream
from blastwall.levers.models import ModelKill
from blastwall.levers.schemas import (
    AuditEntryRead,
    AuditHeadRead,
    AuthorityRuleRead,
    LeverActionRequest,
    LeverChangeRead,
    LeverChangeRequest,
    LeverFeed,
    LeverStateRead,
    ModelKillChangeRead,
    ModelKillRead,
    ModelKillRequest,
    VerificationRead,
)
from blastwall.levers.service import LeverChange
from blastwall.registry import feed as release_feed
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["levers"], responses=AUTHENTICATED)

Since = Annotated[Position, Query(description="Only states with a revision above this.")]
SystemFilter = Annotated[str | None, Query(description="Only this system's states.")]


def _changed(result: LeverChange) -> LeverChangeRead:
    read = LeverStateRead.from_state(result.state)
    return LeverChangeRead(**read.model_dump(), changed=result.changed, audit_seq=result.audit_seq)


@router.get("/levers", response_model=LeverFeed, responses=ONE)
def lever_feed(
    request: Request, session: DbSession, _: Viewer, since: Since = 0, system: SystemFilter = None
) -> LeverFeed:
    """What an SDK polls: every state newer than ``since``, and the revision to ask from next.

    ``releases`` holds the release in force per environment where it changed after ``since``.
    """
    revision, states = service.feed(session, since, system_name=system)
    active = release_feed.since(
        session,
        service.resume_point(session, since),
        max_inline_bytes=request.app.state.settings.release_stream_max_surface_bytes,
        system_name=system,
    )
    return LeverFeed(
        revision=revision,
        states=[LeverStateRead.from_state(s) for s in states],
        releases=active,
        model_kills=[ModelKillRead.model_validate(k) for k in model_kills.since(session, since)],
    )


def _events_after(
    factory: sessionmaker[Session], max_inline_bytes: int, after: int, system: str | None = None
) -> list[stream.StateEvent]:
    """Lever states and releases in force changed after ``after``, in revision order."""
    with factory() as session:
        events = [
            stream.StateEvent(
                s.revision, s.system.name, LeverStateRead.from_state(s).model_dump_json()
            )
            for s in service.since(session, after, system_name=system)
        ]
        events += [
            stream.StateEvent(r.revision, r.system, r.model_dump_json(), kind="release")
            for r in release_feed.since(
                session, after, max_inline_bytes=max_inline_bytes, system_name=system
            )
        ]
        # A model-family kill concerns every system: "*" passes every stream's system filter.
        events += [
            stream.StateEvent(
                k.revision,
                stream.EVERY_SYSTEM,
                ModelKillRead.model_validate(k).model_dump_json(),
                kind="model_kill",
            )
            for k in model_kills.since(session, after)
        ]
    return sorted(events, key=lambda e: e.revision)


def _latest(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return service.current_revision(session)


def _start(factory: sessionmaker[Session], since: int, system: str | None) -> int:
    with factory() as session:
        if system is not None:
            service.get_system(session, system)
        return service.resume_point(session, since)


def _broadcaster(request: Request) -> stream.Broadcaster:
    return broadcaster_of(request.app.state)


def broadcaster_of(state: State) -> stream.Broadcaster:
    """The app's one lever broadcaster, made on first use (a stream, or the app stopping)."""
    if getattr(state, "lever_broadcaster", None) is None:
        factory = state.read_session_factory
        inline = state.settings.release_stream_max_surface_bytes
        state.lever_broadcaster = stream.Broadcaster(
            fetch=partial(_events_after, factory, inline), latest=partial(_latest, factory)
        )
    broadcaster: stream.Broadcaster = state.lever_broadcaster
    return broadcaster


def _resume_from(since: int, last_event_id: str | None) -> int:
    if last_event_id is None:
        return since
    # ASCII digits only: str.isdigit() accepts '²', which int() refuses.
    # Only HTTP's optional whitespace (space, tab), as the documented pattern says: other
    # control characters never reach the app (the HTTP server refuses them with a 400).
    value = last_event_id.strip(" \t")
    if not (value.isascii() and value.isdigit()) or int(value) > INT32_MAX:
        raise InvalidInput(
            f"Last-Event-ID must be a lever revision (a whole number up to {INT32_MAX}), "
            f"got {last_event_id!r}; "
            "send the id of the last event received, or omit the header",
            field="Last-Event-ID",
        )
    return int(value)


@router.get("/levers/stream", response_class=StreamingResponse, responses=ONE)
async def lever_stream(
    request: Request,
    _: Viewer,
    since: Since = 0,
    system: SystemFilter = None,
    last_event_id: Annotated[
        str | None,
        # The pattern is documented, not enforced here: _resume_from's message says how to fix it.
        Header(
            json_schema_extra={"pattern": r"^[ \t]*[0-9]{1,10}[ \t]*$"},
            description="The id (lever revision) of the last event received, to resume after it.",
        ),
    ] = None,
) -> StreamingResponse:
    """Server-sent events: states newer than ``since``, then each new revision as it commits."""
    factory: sessionmaker[Session] = request.app.state.read_session_factory
    # Fail now with a 404 rather than stream nothing forever for a misspelt system name.
    start = await asyncio.to_thread(_start, factory, _resume_from(since, last_event_id), system)
    body = stream.events(
        _broadcaster(request),
        partial(
            _events_after,
            factory,
            request.app.state.settings.release_stream_max_surface_bytes,
            system=system,
        ),
        since=start,
        system=system,
        heartbeat_s=request.app.state.settings.lever_stream_heartbeat_s,
    )
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            # SDKs size their staleness floor by it (two keep-alives must fit in stale_after_s).
            "X-Blastwall-Keepalive-S": f"{request.app.state.settings.lever_stream_heartbeat_s:g}",
        },
    )


@router.get("/systems/{name}/levers", response_model=ItemsPage[LeverStateRead], responses=ONE)
def system_levers(
    name: str, session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[LeverStateRead]:
    return ItemsPage.of(service.list_for_system(session, name, page), LeverStateRead.from_state)


@router.post("/systems/{name}/levers", response_model=LeverChangeRead, responses=WRITE)
def change_levers(
    name: str, body: LeverChangeRequest, session: DbSession, actor: Responder
) -> LeverChangeRead:
    """Set levers; ``changed`` is false (and no revision is used) when nothing differed."""
    return _changed(
        service.change(
            session,
            name,
            body.environment,
            body.set,
            actor=actor,
            reason=body.reason,
            incident_id=body.incident_id,
        )
    )


@router.post("/systems/{name}/kill", response_model=LeverChangeRead, responses=WRITE)
def kill(
    name: str, body: LeverActionRequest, session: DbSession, actor: Responder
) -> LeverChangeRead:
    return _changed(
        service.kill(
            session,
            name,
            body.environment,
            actor=actor,
            reason=body.reason,
            incident_id=body.incident_id,
        )
    )


@router.post("/systems/{name}/restore", response_model=LeverChangeRead, responses=WRITE)
def restore(
    name: str, body: LeverActionRequest, session: DbSession, actor: Responder
) -> LeverChangeRead:
    return _changed(
        service.restore(
            session,
            name,
            body.environment,
            actor=actor,
            reason=body.reason,
            incident_id=body.incident_id,
        )
    )


def _model_kill(result: tuple[ModelKill, bool, int | None]) -> ModelKillChangeRead:
    row, changed, audit_seq = result
    read = ModelKillRead.model_validate(row)
    return ModelKillChangeRead(**read.model_dump(), changed=changed, audit_seq=audit_seq)


@router.post("/models/kill", response_model=ModelKillChangeRead, responses=WRITE)
def kill_model(body: ModelKillRequest, session: DbSession, actor: Responder) -> ModelKillChangeRead:
    """C1 for a model family: every SDK of every system refuses calls to models with the prefix."""
    return _model_kill(
        model_kills.kill(
            session, body.prefix, actor=actor, reason=body.reason, incident_id=body.incident_id
        )
    )


@router.post("/models/restore", response_model=ModelKillChangeRead, responses=WRITE)
def restore_model(
    body: ModelKillRequest, session: DbSession, actor: Responder
) -> ModelKillChangeRead:
    """Lift a model-family kill."""
    return _model_kill(
        model_kills.restore(
            session, body.prefix, actor=actor, reason=body.reason, incident_id=body.incident_id
        )
    )


@router.get("/models/kills", response_model=ItemsPage[ModelKillRead])
def model_kills_in_force(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[ModelKillRead]:
    """The model-family kills in force, by prefix."""
    return ItemsPage.of(model_kills.list_(session, page), ModelKillRead.model_validate)


@router.get("/audit", response_model=ItemsPage[AuditEntryRead])
def audit_log(
    session: DbSession,
    _: Viewer,
    page: Paging,
    after_seq: Annotated[Position, Query(description="Entries after this sequence.")] = 0,
) -> ItemsPage[AuditEntryRead]:
    entries = audit.list_(session, after_seq=after_seq, page=page)
    return ItemsPage.of(entries, AuditEntryRead.model_validate)


@router.get("/audit/head", response_model=AuditHeadRead)
def audit_head(session: DbSession, _: Viewer) -> AuditHeadRead:
    """The newest entry's SEQ:HASH, to keep where database writers cannot reach."""
    head, counter = audit.head(session)
    return AuditHeadRead(seq=head.seq, hash=head.hash, head=str(head), counter=counter)


@router.get("/audit/verify", response_model=VerificationRead)
def verify_audit(
    session: DbSession,
    _: Viewer,
    since_head: Annotated[
        str | None,
        Query(
            description="A head kept from GET /audit/head (SEQ:HASH) that must still match.",
            json_schema_extra={"pattern": audit_verify.HEAD_PATTERN},
        ),
    ] = None,
) -> VerificationRead:
    """Walk the hash chain and the counter; name the first entry altered, removed or relinked."""
    kept = audit_verify.parse_head(since_head) if since_head is not None else None
    return VerificationRead.model_validate(asdict(audit_verify.verify(session, since_head=kept)))


@router.get("/authority", response_model=ItemsPage[AuthorityRuleRead], responses=ONE)
def authority_rules(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[AuthorityRuleRead]:
    """The rules in force: configured ones, or the defaults when none are configured."""
    return ItemsPage.of(authority.list_(session, page), lambda r: AuthorityRuleRead(**r.as_dict()))
