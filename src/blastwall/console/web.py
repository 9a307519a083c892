"""The console's plumbing: templates, the logged-in user of a request, forms, HTML errors.

Console routes answer HTML, so their errors do too: ``ConsoleRoute`` turns a domain error
(or a malformed path) into the error page with the same status and message the API would
give, after the request's unit of work has rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.console import charts
from blastwall.console import session as sessions
from blastwall.exceptions import BlastwallError, Forbidden, InvalidInput
from blastwall.inputs import text_problem
from blastwall.server.deps import DbSession
from blastwall.triage.service import primary_environment

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["role_at_least"] = lambda actor, role: actor.role.at_least(Role(role))
templates.env.filters["when"] = charts.when
# Where a rollback acts unless the responder picks another: prod when the system runs there.
templates.env.globals["primary_environment"] = primary_environment
templates.env.filters["ago"] = charts.ago


class LoginRequired(Exception):
    """No valid session: the console answers with the login page (or a redirect to it)."""


def signer(request: Request) -> sessions.Signer:
    """The app's cookie signer, made on first use from the settings."""
    state = request.app.state
    if getattr(state, "console_signer", None) is None:
        settings = state.settings
        secret = settings.console_session_secret
        state.console_signer = sessions.Signer(
            secret.get_secret_value() if secret is not None else None,
            settings.console_session_ttl_s,
        )
    found: sessions.Signer = state.console_signer
    return found


def _current(request: Request, session: DbSession) -> sessions.ConsoleSession:
    found = sessions.resume(session, signer(request), request.cookies.get(sessions.COOKIE))
    if found is None:
        raise LoginRequired
    request.state.console = found
    return found


Current = Annotated[sessions.ConsoleSession, Depends(_current)]


async def _form(request: Request) -> dict[str, str]:
    """A url-encoded POST body as single values (the console's forms send nothing else)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    values = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    for name, value in values.items():
        problem = text_problem(value)
        if problem is not None:
            raise InvalidInput(f"field {name}: {problem}")
    return values


Form = Annotated[dict[str, str], Depends(_form)]


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # Browsers send Origin on every POST; a missing one is a non-browser client,
        # which still needs the session cookie and the CSRF value.
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", request.url.netloc)


def _checked(request: Request, current: Current, form: Form) -> sessions.ConsoleSession:
    given = form.get(sessions.CSRF_FIELD) or request.headers.get(sessions.CSRF_HEADER)
    if not same_origin(request) or not sessions.csrf_ok(current.csrf, given):
        raise Forbidden(
            "this form is stale or came from another site (CSRF check failed); reload the "
            "page and submit again"
        )
    return current


Posted = Annotated[sessions.ConsoleSession, Depends(_checked)]


def require(current: sessions.ConsoleSession, role: Role) -> None:
    """Forbidden unless the session's token has ``role`` or higher (as the API's routes)."""
    access.require_role(current.actor, role)


def path_text(value: str, what: str) -> str:
    """A path parameter the store can hold; refused as the API refuses it otherwise."""
    problem = text_problem(value)
    if problem is not None:
        raise InvalidInput(f"{what}: {problem}")
    return value


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``name`` with the session (if any) and ``context``."""
    current = getattr(request.state, "console", None)
    response = templates.TemplateResponse(
        request,
        name,
        {"current": current, "actor": current.actor if current else None, **context},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return page(request, "error.html", status_code=status, title=title, detail=detail)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'path')}: {e.get('msg', '')}"
        for e in exc.errors()
    ]
    return "; ".join(parts) or "the address is malformed"


class ConsoleRoute(APIRoute):
    """A route answering HTML errors: the login page, or the error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if request.method == "GET" and not request.headers.get("hx-request"):
                    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
                return error_page(
                    request, 401, "Logged out", "your session ended; log in again at /login"
                )
            except BlastwallError as exc:
                return error_page(request, exc.status_code, exc.title, exc.detail)
            except RequestValidationError as exc:
                # A malformed id in a path is an address that names nothing.
                return error_page(request, 404, "Not found", _validation_detail(exc))

        return handle
