"""The queues' actions: decide an approval, claim and resolve a hand-off, from the console.

Approving or denying runs an irreversible action or stops it, so it asks first, as a
lever does: the first post answers a page saying exactly what will happen ("Approve
issue_refund on support-agent/prod with {order: A-1001, amount: 120}: the waiting call
carries it out."), and only its button's post (``confirm=yes``) decides. Claiming and
resolving a hand-off change no system, so they act at once. Every action goes through the
API's own service with the token's name as the actor (same audit, same rules: a decided or
expired request is a 409, shown as the console's error page).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.approvals import service as approvals
from blastwall.approvals.schemas import ApprovalDecision
from blastwall.console.actions import confirm_page, parsed
from blastwall.console.session import ConsoleSession
from blastwall.console.web import ConsoleRoute, Form, Posted, require
from blastwall.handoffs import service as handoffs
from blastwall.handoffs.schemas import HandoffResolve
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
QUEUES = "/queues"


def describe_decision(session: Session, approval_id: int, approve: bool) -> str:
    """What approving or denying request ``approval_id`` does, in the confirmation's words."""
    request = approvals.get(session, approval_id)
    arguments = json.dumps(request.arguments, sort_keys=True) if request.arguments else "{}"
    verb, outcome = (
        ("Approve", "the waiting call carries it out")
        if approve
        else ("Deny", "the waiting call does not carry it out and answers without it")
    )
    return (
        f"{verb} {request.action} on {request.system}/{request.environment} with "
        f"{arguments} (request #{request.id}): {outcome}."
    )


@router.post("/approvals/{approval_id}/approve", response_class=HTMLResponse)
def console_approve(
    request: Request, approval_id: RowId, form: Form, session: DbSession, current: Posted
) -> Response:
    return _decide(request, approval_id, form, session, current, approve=True)


@router.post("/approvals/{approval_id}/deny", response_class=HTMLResponse)
def console_deny(
    request: Request, approval_id: RowId, form: Form, session: DbSession, current: Posted
) -> Response:
    return _decide(request, approval_id, form, session, current, approve=False)


def _decide(
    request: Request,
    approval_id: int,
    form: dict[str, str],
    session: Session,
    current: ConsoleSession,
    *,
    approve: bool,
) -> Response:
    require(current, Role.responder)
    body = parsed(ApprovalDecision, form, ("reason",))
    if form.get("confirm") != "yes":
        sentence = describe_decision(session, approval_id, approve)
        title = f"{'Approve' if approve else 'Deny'} request #{approval_id}?"
        return confirm_page(request, title, sentence, {"reason": body.reason}, QUEUES)
    decide = approvals.approve if approve else approvals.deny
    decide(session, approval_id, current.actor, reason=body.reason)
    return RedirectResponse(f"{QUEUES}#approvals-h", status_code=303)


@router.post("/handoffs/{handoff_id}/claim", response_class=HTMLResponse)
def console_claim(handoff_id: RowId, session: DbSession, current: Posted) -> Response:
    require(current, Role.responder)
    handoffs.claim(session, handoff_id, current.actor)
    return RedirectResponse(f"{QUEUES}#handoffs-h", status_code=303)


@router.post("/handoffs/{handoff_id}/resolve", response_class=HTMLResponse)
def console_resolve(handoff_id: RowId, form: Form, session: DbSession, current: Posted) -> Response:
    require(current, Role.responder)
    body = parsed(HandoffResolve, form, ("resolution",))
    handoffs.resolve(session, handoff_id, current.actor, resolution=body.resolution)
    return RedirectResponse(f"{QUEUES}#handoffs-h", status_code=303)
