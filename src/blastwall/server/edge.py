"""The server's edge: who may send a body, and how large and deep it may be.

FastAPI reads and parses a request's body before its dependencies run, so a token checked
in a dependency was checked only after an attacker's 100 MB had been read and parsed. This
ASGI middleware authenticates ``/api/v1`` requests from their headers alone, before a byte
of the body is read, and answers 401 (or 429 when an address keeps guessing) without
reading it. The actor it found travels in ``request.state.actor`` so the route's
dependencies do not query the token again.

Body size is enforced here too, while the body streams: a declared Content-Length over the
route's limit is refused before a byte is read, a chunked body as soon as it crosses it.
(FastAPI's own ``max_body_size`` answers a declared oversize in text/plain, whatever the
app's error handlers say; every Blastwall error is problem+json.) JSON nesting is measured
as the body streams through, so every route refuses a too-deep body the same way.
"""

from __future__ import annotations

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from blastwall.access import service as access
from blastwall.access.schemas import Actor
from blastwall.exceptions import Unauthorized
from blastwall.server.errors import problem
from blastwall.server.json_depth import MAX_JSON_DEPTH, too_deep
from blastwall.server.throttle import AuthThrottle
from blastwall.traces import ingest

API_PREFIX = "/api/v1/"
EVENTS_PATH = "/api/v1/events"
OFF_LOOP_BYTES = 256 * 1024
"""Bodies larger than this are measured for depth in a worker thread, off the event loop."""


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` so FastAPI passes it through its body reading unchanged."""

    def __init__(self, limit: int, path: str) -> None:
        if path == EVENTS_PATH:
            fix = (
                f"send fewer events per request (at most {ingest.MAX_EVENTS_PER_BATCH}) "
                "and gzip them"
            )
        else:
            fix = "send less, or raise BLASTWALL_MAX_BODY_BYTES on the server"
        super().__init__(
            status_code=413,
            detail=f"the request body is over the {limit}-byte limit of {path}; {fix}",
        )


class JsonTooDeep(HTTPException):
    """Raised from ``receive`` so FastAPI passes it through its body reading unchanged."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=422, detail=detail)


class EdgeMiddleware:
    """Authenticate before the body is read; measure JSON bodies' depth as they arrive."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api: FastAPI = scope["app"]
        if _needs_token(api, scope["path"]):
            refusal = await _authenticate(api, scope)
            if refusal is not None:
                await refusal(scope, receive, send)  # the body is never read
                return
        headers = Headers(scope=scope)
        limit = _body_limit(api, scope["path"])
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            refusal = _problem_of(BodyTooLarge(limit, scope["path"]))
            await refusal(scope, receive, send)  # refused before a byte is read
            return
        receive = _limited(receive, limit, scope["path"])
        if _is_json(headers):
            receive = _depth_checked(receive)
        await self.app(scope, receive, send)


def _body_limit(api: FastAPI, path: str) -> int:
    # Event batches are large by design and carry their own limit (traces/ingest.py).
    if path == EVENTS_PATH:
        return ingest.MAX_WIRE_BYTES
    limit: int = api.state.settings.max_body_bytes
    return limit


def _limited(receive: Receive, limit: int, path: str) -> Receive:
    """A ``receive`` that stops reading once the body crosses ``limit`` bytes."""
    size = 0

    async def limited() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit, path)
        return message

    return limited


def _needs_token(api: FastAPI, path: str) -> bool:
    public = (api.openapi_url, api.docs_url, api.swagger_ui_oauth2_redirect_url)
    return path.startswith(API_PREFIX) and path not in public


async def _authenticate(api: FastAPI, scope: Scope) -> JSONResponse | None:
    """Put the actor in the request's state, or return the response that refuses it."""
    throttle: AuthThrottle = api.state.auth_throttle
    client = scope.get("client")
    address = client[0] if client else "unknown"
    wait = throttle.retry_after(address)
    if wait is not None:
        return _throttled(wait)
    secret = _bearer(Headers(scope=scope))
    factory = api.state.read_session_factory

    def lookup() -> Actor:
        with factory() as session:
            return access.authenticate(session, secret)

    try:
        # A database read: in a worker thread, so the event loop keeps serving meanwhile.
        actor = await anyio.to_thread.run_sync(lookup)
    except Unauthorized as exc:
        throttle.failed(address)
        return problem(exc.status_code, exc.title, exc.detail)
    scope.setdefault("state", {})["actor"] = actor
    return None


def _bearer(headers: Headers) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _throttled(wait: int) -> JSONResponse:
    response = problem(
        429,
        "Too many requests",
        f"too many failed authentications from this address; wait {wait} s, then send a "
        "valid token ('Authorization: Bearer <token>'; `blastwall token create` makes one)",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _is_json(headers: Headers) -> bool:
    # As FastAPI decides to parse JSON: no Content-Type, or application/json or */*+json.
    # A Content-Encoding (gzip events) is measured after decoding, by the ingest itself.
    if headers.get("content-encoding", "identity").strip().lower() != "identity":
        return False
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return content_type in ("", "application/json") or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _depth_checked(receive: Receive) -> Receive:
    """A ``receive`` that keeps the body's chunks and measures its depth at the last one."""
    chunks: list[bytes] = []

    async def checked() -> Message:
        message = await receive()
        if message["type"] != "http.request":
            return message
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return message
        body = b"".join(chunks)
        chunks.clear()
        if len(body) > OFF_LOOP_BYTES:
            reason = await anyio.to_thread.run_sync(too_deep, body, MAX_JSON_DEPTH)
        else:
            reason = too_deep(body)
        if reason is not None:
            raise JsonTooDeep(reason)
        return message

    return checked


def _problem_of(exc: BodyTooLarge | JsonTooDeep) -> JSONResponse:
    if isinstance(exc, BodyTooLarge):
        return problem(413, "Payload too large", exc.detail)
    return problem(
        422, "Invalid input", exc.detail, errors=[{"field": "body", "message": exc.detail}]
    )


async def _refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyTooLarge | JsonTooDeep)
    return _problem_of(exc)


def install(app: FastAPI) -> None:
    """Add the middleware and the problem+json answers for its refusals to ``app``."""
    settings = app.state.settings
    app.state.auth_throttle = AuthThrottle(
        settings.auth_failure_limit, settings.auth_failure_window_s
    )
    app.add_middleware(EdgeMiddleware)
    app.add_exception_handler(BodyTooLarge, _refused)
    app.add_exception_handler(JsonTooDeep, _refused)
