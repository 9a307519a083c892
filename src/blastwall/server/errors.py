"""Every error leaves the API as RFC 9457 problem+json, mapped in this one place."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from blastwall.exceptions import BlastwallError
from blastwall.server.literals import resource_methods

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BlastwallError)
    return problem(exc.status_code, exc.title, exc.detail, **exc.extra)


def _error(error: dict[str, Any]) -> dict[str, str]:
    context = error.get("ctx") or {}
    if error["type"] in ("unstorable_text", "wrong_type") and "where" in context:
        # Raised on a whole body or object (blastwall.inputs.Input): name the field in it.
        loc = (*error["loc"], *str(context["where"]).split("."))
        return {"field": _field(loc), "message": str(context["problem"])}
    return {"field": _field(tuple(error["loc"])), "message": error["msg"]}


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_error(e) for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, errors=errors)


def _allowed(request: Request, fallback: str) -> str:
    # Starlette's 405 names the methods of the first route on the path only, and FastAPI
    # has a route per method: list every method of the resource (RFC 9110), the resource
    # being the most literal path template that matches (server/literals.py).
    methods = resource_methods(request.app, request.url.path)
    return fallback if methods is None else ", ".join(sorted(methods))


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request, headers.get("Allow", ""))
    # The detail stays Starlette's ("Not Found", "Method Not Allowed"): the CLI tells a
    # missing route (an older server) from a missing thing by it (cli/client.py).
    response = problem(exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail))
    response.headers.update(headers)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(BlastwallError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
