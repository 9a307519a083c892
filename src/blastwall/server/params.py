"""Path and query parameters meet the rules bodies meet (blastwall.inputs).

Text must be storable (no NUL, e.g. ``%00``), and a query parameter the route does not
take is refused, as an unknown body field is: a misspelt filter (``?sytem=x``) would
otherwise be ignored and the answer would silently cover everything.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

from blastwall.inputs import text_problem
from blastwall.server.literals import check_literal


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` takes: its own and its dependencies', as OpenAPI lists
    them (a Pydantic model taken as ``Query()`` contributes its fields by alias)."""
    names: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for field in dependant.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(info.alias or name for name, info in model.model_fields.items())
            else:
                names.add(field.alias)
    return frozenset(names)


# Per route object: the routers are module-level, so every app this process builds (one per
# test) shares their APIRoute objects, and the walk above runs once per route and process.
# (It replaced building the whole OpenAPI document per app: ~0.45 CPU-s on each app's first
# request.) The route is kept with its names so its id is never reused while cached.
_TAKEN: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def _taken(route: APIRoute) -> frozenset[str]:
    cached = _TAKEN.get(id(route))
    if cached is None or cached[0] is not route:
        cached = _TAKEN[id(route)] = (route, _query_names(route))
    return cached[1]


def _unknown(request: Request) -> list[dict[str, Any]]:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return []
    taken = _taken(route)
    listed = ", ".join(sorted(taken)) or "none"
    return [
        {
            "type": "unknown_parameter",
            "loc": ("query", name),
            "msg": f"is not a parameter of this route (it takes: {listed}); remove or fix it",
            "input": value,
        }
        for name, value in request.query_params.multi_items()
        if name not in taken
    ]


def check_params(request: Request) -> None:
    """Refuse a NUL in any path or query parameter, or an unknown query parameter (422);
    a method a literal path does not take is a 405 even where a parameter route matches it.

    An app-level dependency, so it runs for every route before the route's own parameters
    reach a query that PostgreSQL would refuse with a server error.
    """
    if not request.url.path.startswith("/api/"):
        return  # /healthz takes nothing and answers whatever a probe appends
    check_literal(request)
    sources = (("path", request.path_params.items()), ("query", request.query_params.items()))
    errors = [
        {"type": "unstorable_text", "loc": (where, name), "msg": problem, "input": value}
        for where, items in sources
        for name, value in items
        if isinstance(value, str) and (problem := text_problem(value))
    ]
    errors += _unknown(request)
    if errors:
        raise RequestValidationError(errors)
