"""The acknowledge link of a page: ``GET /ack/{token}`` asks, ``POST /ack/{token}`` acknowledges.

Outside ``/api/v1`` because the link itself is the credential (signed, expiring, for one
person and one incident: ``paging/links.py``); a GET never changes anything, so a mail
scanner that follows links cannot acknowledge for the person.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.db.base import utcnow
from blastwall.incidents import service as incidents
from blastwall.oncall import service as oncall
from blastwall.paging import links
from blastwall.server.deps import DbSession

# Pages for a person's browser, not API operations: kept out of the OpenAPI document (whose
# every operation takes a bearer token and answers problem+json); docs/oncall.md has them.
router = APIRouter(tags=["paging"], include_in_schema=False)
Token = Annotated[str, Path(max_length=1000, description="The token of the page's link.")]
VIA_LINK = "via the acknowledge link in a page"


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


@router.get("/ack/{token}", response_class=HTMLResponse)
def confirm_acknowledge(token: Token, request: Request, session: DbSession) -> HTMLResponse:
    """A page with one button that acknowledges (nothing changes until it is pressed)."""
    grant = links.verify(request.app.state.settings, token, utcnow())
    incident = incidents.get(session, grant.incident_id)
    return _page(
        f"Acknowledge incident #{incident.id}?",
        f"<p>{escape(incident.title)} (severity {incident.severity}, {escape(incident.status)})"
        f"</p><form method='post'><button type='submit'>Acknowledge as "
        f"{escape(grant.person)}</button></form>",
    )


@router.post("/ack/{token}", response_class=HTMLResponse)
def acknowledge(token: Token, request: Request, session: DbSession) -> HTMLResponse:
    """Acknowledge the incident as the paged person: escalation stops (audited as them)."""
    grant = links.verify(request.app.state.settings, token, utcnow())
    person = oncall.get_person(session, grant.person)
    actor = Actor(name=person.name, role=Role.responder)
    incident = incidents.acknowledge(session, grant.incident_id, actor, note=VIA_LINK)
    return _page(
        f"Incident #{incident.id} acknowledged",
        f"<p>{escape(incident.title)}: acknowledged by {escape(person.name)}; escalation "
        f"stopped. Commander: {escape(incident.commander or 'nobody')}.</p>",
    )
