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
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

Template = tuple[re.Pattern[str], int, frozenset[str]]


_built: dict[tuple[object, ...], list[Template]] = {}


def _shape(app: FastAPI) -> tuple[object, ...]:
    """What the templates depend on, cheap to compute: each included router (a module-level
    object, so its id is stable) with its prefix, and each route added to the app itself."""
    parts: list[object] = []
    for route in app.routes:
        router = getattr(route, "original_router", None)
        if router is not None:
            parts.append(
                (id(router), getattr(getattr(route, "include_context", None), "prefix", ""))
            )
        elif isinstance(route, APIRoute):
            parts.append(
                (route.path_format, frozenset(route.methods or ()), route.include_in_schema)
            )
        else:
            parts.append((type(route).__name__, getattr(route, "path", None)))
    return tuple(parts)


def _templates(app: FastAPI) -> list[Template]:
    # (path regex, parameter count, methods) per documented path: the OpenAPI document's
    # paths, read from the routes. Every app create_app builds has the same routes, so they
    # are built once per process (reading them costs ~0.1 s; the whole document ~0.7 s).
    cached: list[Template] | None = getattr(app.state, "path_templates", None)
    if cached is None:
        shape = _shape(app)
        cached = _built.get(shape)
        if cached is None:
            cached = _built[shape] = _read_templates(app)
        app.state.path_templates = cached
    return cached


def _read_templates(app: FastAPI) -> list[Template]:
    methods: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            methods.setdefault(str(route.path_format), set()).update(route.methods or ())
    return [
        (compile_path(path)[0], path.count("{"), frozenset(m.upper() for m in found))
        for path, found in methods.items()
    ]


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
