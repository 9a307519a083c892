"""The console's pages (GET): thin routes that call one view function and render it.

Every page needs a logged-in session (``web.Current``), which is at least a viewer: the
same floor as the API's read routes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from blastwall.changes import audit, audit_verify
from blastwall.console import sections
from blastwall.console.sections.core import evidence_lines
from blastwall.console.views import monitor, overview, queues, system
from blastwall.console.web import ConsoleRoute, Current, page, path_text
from blastwall.db.pagination import PageQuery
from blastwall.incidents import service as incidents
from blastwall.server.deps import DbSession

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

AUDIT_SHOWN = 50


@router.get("/", response_class=HTMLResponse)
def console_overview(request: Request, session: DbSession, _: Current) -> HTMLResponse:
    return page(request, "overview.html", view=overview.build(session))


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def console_incident(
    request: Request, incident_id: int, session: DbSession, _: Current
) -> HTMLResponse:
    incident = incidents.get(session, incident_id)
    ready, missing = sections.gather(session, incident)
    return page(
        request,
        "incident.html",
        incident=incident,
        sections=ready,
        missing=missing,
        evidence_lines=evidence_lines,
    )


@router.get("/systems/{name}", response_class=HTMLResponse)
def console_system(request: Request, name: str, session: DbSession, _: Current) -> HTMLResponse:
    return page(request, "system.html", view=system.build(session, path_text(name, "system")))


@router.get("/systems/{name}/monitors/{monitor_name}", response_class=HTMLResponse)
def console_monitor(
    request: Request, name: str, monitor_name: str, session: DbSession, _: Current
) -> HTMLResponse:
    view = monitor.build(session, path_text(name, "system"), path_text(monitor_name, "monitor"))
    return page(request, "monitor.html", view=view)


@router.get("/review", response_class=HTMLResponse)
def console_review(request: Request, session: DbSession, _: Current) -> HTMLResponse:
    return page(request, "review.html", view=queues.review_queue(session))


@router.get("/queues", response_class=HTMLResponse)
def console_queues(request: Request, session: DbSession, _: Current) -> HTMLResponse:
    return page(request, "queues.html", view=queues.work_queues(session))


@router.get("/oncall", response_class=HTMLResponse)
def console_oncall(request: Request, session: DbSession, _: Current) -> HTMLResponse:
    return page(request, "oncall.html", view=queues.on_call(session))


@router.get("/audit", response_class=HTMLResponse)
def console_audit(
    request: Request, session: DbSession, _: Current, verify: bool = False
) -> HTMLResponse:
    """The newest entries, and on request the whole chain verified (as `audit verify`)."""
    head, counter = audit.head(session)
    first = max(head.seq - AUDIT_SHOWN, 0)
    entries = audit.list_(session, after_seq=first, page=PageQuery(limit=AUDIT_SHOWN)).items
    checked = audit_verify.verify(session) if verify else None
    return page(
        request,
        "audit.html",
        entries=list(reversed(entries)),
        head=head,
        counter=counter,
        verification=checked,
    )
