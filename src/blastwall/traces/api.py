"""Routes: event ingest from SDKs, trace queries, staff feedback."""

from __future__ import annotations

import weakref
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from blastwall.server.deps import DbSession, Viewer
from blastwall.server.pagination import ItemsPage
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE
from blastwall.traces import service
from blastwall.traces.schemas import (
    FeedbackCreate,
    FeedbackRead,
    IngestResultRead,
    TraceQuery,
    TraceRead,
    TraceSummary,
)
from blastwall.traces.writer import Writer

router = APIRouter(tags=["traces"], responses=AUTHENTICATED)

_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": "A JSON list of events (docs/sdk.md, 'Event format'); gzip accepted "
        "with Content-Encoding: gzip.",
        # Items are any JSON: one that is not a valid event is rejected by its index in the
        # answer while the others are stored, so the batch itself never fails on an item.
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"description": "An event object."}}
            }
        },
    }
}


async def _raw_body(request: Request) -> bytes:
    # Read here, so parsing and storing happen in the route's worker thread, off the event
    # loop. The server's edge (server/edge.py) caps the body at ingest.MAX_WIRE_BYTES as it
    # streams in, so this never buffers more.
    return await request.body()


async def _writer(request: Request) -> Writer:
    # One per app (and so per server process), made on the first batch. Async, so on the
    # event loop (no two at once) and without a hop to the thread pool per request.
    state = request.app.state
    writer: Writer | None = getattr(state, "trace_writer", None)
    if writer is None:
        writer = Writer(state.engine, state.session_factory)
        state.trace_writer = writer
        weakref.finalize(request.app, writer.close)
    return writer


@router.post("/events", response_model=IngestResultRead, openapi_extra=_BATCH_BODY, responses=WRITE)
def post_events(
    _: Viewer,
    raw: Annotated[bytes, Depends(_raw_body)],
    writer: Annotated[Writer, Depends(_writer)],
    request: Request,
) -> IngestResultRead:
    """Store a batch of SDK events; bad ones are rejected by index, good ones kept.

    The writer commits before this returns, so an acknowledged event is on disk.
    """
    result = writer.ingest(raw, content_encoding=request.headers.get("content-encoding"))
    return IngestResultRead.model_validate(result)


@router.get("/traces", response_model=ItemsPage[TraceSummary])
def list_traces(
    query: Annotated[TraceQuery, Query()], session: DbSession, _: Viewer
) -> ItemsPage[TraceSummary]:
    return ItemsPage.of(service.list_(session, query), TraceSummary.model_validate)


@router.get("/traces/{trace_id}", response_model=TraceRead, responses=ONE)
def get_trace(trace_id: str, session: DbSession, _: Viewer) -> TraceRead:
    calls, feedback = service.get(session, trace_id)
    return TraceRead.model_validate(
        {"trace_id": trace_id, "calls": calls, "feedback": feedback}, from_attributes=True
    )


@router.post(
    "/traces/{trace_id}/feedback", response_model=FeedbackRead, status_code=201, responses=WRITE
)
def flag_trace(
    trace_id: str, body: FeedbackCreate, session: DbSession, actor: Viewer
) -> FeedbackRead:
    feedback = service.add_feedback(
        session, trace_id, rating=body.rating, comment=body.comment, actor=actor
    )
    return FeedbackRead.model_validate(feedback)
