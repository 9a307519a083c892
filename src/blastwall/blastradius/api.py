"""Routes: an incident's blast radius, and the export of the users it reached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime
from sqlalchemy.orm import Session, sessionmaker

from blastwall.blastradius import service
from blastwall.blastradius.schemas import BlastRadius
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["blast radius"], responses=AUTHENTICATED)

Start = Annotated[
    AwareDatetime | None,
    Query(description="Count from this time (ISO 8601 with a zone) instead of the start."),
]
End = Annotated[
    AwareDatetime | None,
    Query(description="Count until this time instead of containment, resolution or now."),
]


class UsersFormat(StrEnum):
    csv = "csv"
    json = "json"


@router.get("/incidents/{incident_id}/blast-radius", response_model=BlastRadius, responses=ONE)
def get_blast_radius(
    incident_id: RowId, session: DbSession, _: Viewer, start: Start = None, end: End = None
) -> BlastRadius:
    """Distinct users, traces, outputs by label and downstream actions in the window (F3)."""
    return service.compute(session, incident_id, start=start, end=end)


@router.get(
    "/incidents/{incident_id}/blast-radius/users",
    response_class=StreamingResponse,
    responses={
        **WRITE,
        200: {
            "description": "One affected user id a line (CSV with a `user_id` header), or a "
            "JSON list; streamed, sorted.",
            "content": {"text/csv": {}, "application/json": {}},
        },
    },
)
def export_affected_users(
    *,
    incident_id: RowId,
    request: Request,
    session: DbSession,
    actor: Responder,
    start: Start = None,
    end: End = None,
    format: UsersFormat = UsersFormat.csv,
) -> StreamingResponse:
    """Stream every affected user id (responder and up: user ids are personal data; the
    export is audited and noted on the incident's timeline)."""
    service.record_export(session, incident_id, actor, start=start, end=end)
    factory: sessionmaker[Session] = request.app.state.read_session_factory
    lines = _lines(factory, incident_id, start, end, format)
    media = "text/csv" if format is UsersFormat.csv else "application/json"
    filename = f"incident-{incident_id}-users.{format.value}"
    return StreamingResponse(
        lines, media_type=media, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


def _lines(
    factory: sessionmaker[Session],
    incident_id: int,
    start: datetime | None,
    end: datetime | None,
    format: UsersFormat,
) -> Iterator[str]:
    """The export, read in its own session: the request's has committed by now."""
    with factory() as session, session.begin():
        users = service.affected_users(session, incident_id, start=start, end=end)
        if format is UsersFormat.csv:
            yield "user_id\n"
            for user_id in users:
                yield _csv_cell(user_id) + "\n"
            return
        first = True
        for user_id in users:
            yield ("[" if first else ",\n") + json.dumps(user_id)
            first = False
        yield "[]\n" if first else "]\n"


def _csv_cell(value: str) -> str:
    """Quote a cell holding a comma, quote or line break (RFC 4180)."""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
