"""A literal path segment beats a parameter, whatever the method.

``/review/next`` (POST) sits beside ``/review/{item_id}`` (GET, POST). Starlette takes the
first route whose path and method both match, so ``GET /review/next`` used to reach
``/review/{item_id}`` and answer a 422 about ``item_id``; ``PATCH /incidents/metrics``
likewise. RFC 9110 says a method the resource does not support is a 405 with ``Allow``.
Here the resource is the most literal path template that matches (fewest parameters),
for routing and for the ``Allow`` header alike.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

Template = tuple[re.Pattern[str], int, frozenset[str]]


def _templates(app: FastAPI) -> list[Template]:
    # (path regex, parameter count, methods) per OpenAPI path, built once per app.
    cached: list[Template] | None = getattr(app.state, "path_templates", None)
    if cached is None:
        cached = [
            (compile_path(path)[0], path.count("{"), frozenset(m.upper() for m in operations))
            for path, operations in app.openapi().get("paths", {}).items()
        ]
        app.state.path_templates = cached
    return cached


def resource_methods(app: FastAPI, path: str) -> frozenset[str] | None:
    """The methods of the most literal path template matching ``path`` (None if none does),
    with HEAD wherever GET is (Starlette answers it)."""
    matches: dict[int, set[str]] = {}
    for pattern, params, methods in _templates(app):
        if pattern.match(path):
            matches.setdefault(params, set()).update(methods)
    if not matches:
        return None
    found = matches[min(matches)]
    return frozenset({*found, "HEAD"} if "GET" in found else found)


def check_literal(request: Request) -> None:
    """405 when a parameter route caught a path that a literal route owns (another method).

    Runs as part of the app-level dependency (server/params.py), before the route's own
    parameters are validated, so the answer is the 405 and not a 422 about the parameter.
    """
    route = request.scope.get("route")
    template = getattr(route, "path_format", None)
    if template is None or "{" not in template:
        return
    methods = resource_methods(request.app, request.url.path)
    if methods is not None and request.method not in methods:
        raise HTTPException(
            405, "Method Not Allowed", headers={"Allow": ", ".join(sorted(methods))}
        )
