"""The console's levers and rollback: one form, one confirmation, the API's own services.

A lever or rollback form posts once without ``confirm``: the console answers with a page
that says exactly what will change ("Kill support-agent in prod: every SDK returns the
fallback ...") and a button that posts the same fields with ``confirm=yes``. Only that
second post changes anything, through ``levers.service`` / ``registry.rollback`` with the
token's name as the actor: the same audit entry, timeline entry and lever stream event as
the API. Inputs are checked by the API's own request shapes, so the rules are the same.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.console.session import ConsoleSession
from blastwall.console.web import ConsoleRoute, Form, Posted, page, path_text, require
from blastwall.exceptions import InvalidInput
from blastwall.levers import service as levers
from blastwall.levers.enums import ALL_ENVIRONMENTS
from blastwall.levers.schemas import LeverActionRequest
from blastwall.registry import releases
from blastwall.registry import rollback as registry_rollback
from blastwall.registry import service as registry
from blastwall.registry.enums import KNOWN_GOOD
from blastwall.registry.schemas import RollbackRequest
from blastwall.server.deps import DbSession

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
FIELDS = ("environment", "reason", "incident_id")
M = TypeVar("M", bound=BaseModel)


def parsed(shape: type[M], form: dict[str, str], names: tuple[str, ...]) -> M:
    # An empty optional field (no incident) is left out; the reason always goes in, so the
    # API's own rule says what is missing.
    values: dict[str, Any] = {
        k: form.get(k, "") for k in names if k == "reason" or form.get(k, "").strip() != ""
    }
    try:
        return shape.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput(f"the form is not complete: {problems}") from None


def _where(environment: str) -> str:
    return "every environment" if environment == ALL_ENVIRONMENTS else environment


def describe_kill(session: Session, name: str, environment: str) -> str:
    """What a kill does, in the words the confirmation shows."""
    system = registry.get_by_name(session, name)
    fallback = f' ("{system.fallback}")' if system.fallback else ""
    return (
        f"Kill {name} in {_where(environment)}: every SDK stops calling the model and returns "
        f"the fallback{fallback} within a second."
    )


def describe_restore(session: Session, name: str, environment: str) -> str:
    state = levers.get(session, name, environment)
    moved = levers.describe(levers.snapshot(state), levers.snapshot(None))
    return (
        f"Restore {name} in {_where(environment)}: every lever back to normal ({moved}); "
        "SDKs call the model again within a second."
    )


def describe_rollback(session: Session, name: str, environment: str, to: str) -> str:
    system = registry.get_by_name(session, name)
    current = releases.active_deployment(session, system, environment)
    target = (
        releases.newest_known_good(session, system)
        if to == KNOWN_GOOD
        else releases.find_release(session, system, to)
    )
    now = current.release.name if current else "nothing"
    return (
        f"Roll back {name} in {environment} from release {now} to {target.name}"
        f"{' (known-good)' if target.known_good else ''}: SDKs take the new release's prompt, "
        "model and settings within a second."
    )


def _origin(form: dict[str, str], name: str) -> str:
    incident = form.get("incident_id", "").strip()
    return f"/incidents/{incident}" if incident.isdigit() else f"/systems/{name}"


def confirm_page(
    request: Request, title: str, sentence: str, form: dict[str, str], back: str
) -> HTMLResponse:
    """The page that says what will change; its button posts ``form`` again, confirmed."""
    kept = {k: v for k, v in form.items() if k not in ("confirm", "csrf")}
    return page(request, "confirm.html", title=title, sentence=sentence, fields=kept, back=back)


def _confirm(request: Request, title: str, sentence: str, form: dict[str, str]) -> HTMLResponse:
    return confirm_page(request, title, sentence, form, _origin(form, request.path_params["name"]))


def _back(form: dict[str, str], name: str) -> Response:
    return RedirectResponse(_origin(form, name) + "#levers", status_code=303)


@router.post("/systems/{name}/kill", response_class=HTMLResponse)
def console_kill(
    request: Request, name: str, form: Form, session: DbSession, current: Posted
) -> Response:
    return _switch(request, name, form, session, current, kill=True)


@router.post("/systems/{name}/restore", response_class=HTMLResponse)
def console_restore(
    request: Request, name: str, form: Form, session: DbSession, current: Posted
) -> Response:
    return _switch(request, name, form, session, current, kill=False)


def _switch(
    request: Request,
    name: str,
    form: dict[str, str],
    session: Session,
    current: ConsoleSession,
    *,
    kill: bool,
) -> Response:
    """Kill or restore: confirm first, then act through the levers service as the API does."""
    require(current, Role.responder)
    body = parsed(LeverActionRequest, form, FIELDS)
    name = path_text(name, "system")
    if form.get("confirm") != "yes":
        describe = describe_kill if kill else describe_restore
        sentence = describe(session, name, body.environment)
        return _confirm(request, f"{'Kill' if kill else 'Restore'} {name}?", sentence, form)
    act = levers.kill if kill else levers.restore
    act(
        session,
        name,
        body.environment,
        actor=current.actor,
        reason=body.reason,
        incident_id=body.incident_id,
    )
    return _back(form, name)


@router.post("/systems/{name}/rollback", response_class=HTMLResponse)
def console_rollback(
    request: Request, name: str, form: Form, session: DbSession, current: Posted
) -> Response:
    require(current, Role.responder)
    body = parsed(RollbackRequest, form, (*FIELDS, "to"))
    name = path_text(name, "system")
    if form.get("confirm") != "yes":
        sentence = describe_rollback(session, name, body.environment, body.to)
        return _confirm(request, f"Roll back {name}?", sentence, form)
    registry_rollback.rollback(
        session,
        name,
        environment=body.environment,
        reason=body.reason,
        actor=current.actor,
        to=body.to,
        incident_id=body.incident_id,
    )
    return _back(form, name)
