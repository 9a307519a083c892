"""Log in with a token, log out.

A login is throttled like a bad bearer token (``server/throttle.py``): an address that keeps
guessing gets 429 for the rest of the window. Logging in and out are not audited changes
(nothing in the store changes), but a failed login is logged by the throttle's count.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from blastwall.console import session as sessions
from blastwall.console.web import (
    ConsoleRoute,
    Form,
    Posted,
    error_page,
    page,
    same_origin,
    signer,
)
from blastwall.exceptions import Unauthorized
from blastwall.server.deps import DbSession
from blastwall.server.throttle import AuthThrottle

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _local(target: str | None) -> str:
    # Only a path on this server: an absolute or scheme-relative URL would be an open redirect.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def console_login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", next=_local(next), problem=None)


@router.post("/login", response_class=HTMLResponse)
def console_login(request: Request, form: Form, session: DbSession) -> Response:
    throttle: AuthThrottle = request.app.state.auth_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(address)
    if wait is not None:
        refused = error_page(
            request, 429, "Too many attempts", f"too many failed logins; wait {wait} s"
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    target = _local(form.get("next"))
    if not same_origin(request):
        return error_page(request, 403, "Forbidden", "a login form from another site is refused")
    try:
        token = sessions.login(session, form.get("token", ""))
    except Unauthorized as exc:
        throttle.failed(address)
        return page(request, "login.html", status_code=401, next=target, problem=exc.detail)
    response = RedirectResponse(target, status_code=303)
    settings = request.app.state.settings
    response.set_cookie(
        sessions.COOKIE,
        signer(request).issue(token.id),
        max_age=int(settings.console_session_ttl_s),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or settings.public_url.startswith("https:"),
        path="/",
    )
    return response


@router.post("/logout", response_class=HTMLResponse)
def console_logout(_: Posted) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response
