"""Path and query parameters meet the rules bodies meet (blastwall.inputs).

Text must be storable (no NUL, e.g. ``%00``), and a query parameter the route does not
take is refused, as an unknown body field is: a misspelt filter (``?sytem=x``) would
otherwise be ignored and the answer would silently cover everything.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from blastwall.inputs import text_problem
from blastwall.server.literals import check_literal


def _query_names(app: FastAPI) -> dict[str, frozenset[str]]:
    # Operation ids are the route functions' names (server/openapi.py), so the OpenAPI
    # document says which query parameters each route takes.
    known: dict[str, frozenset[str]] | None = getattr(app.state, "query_names", None)
    if known is None:
        known = {
            operation["operationId"]: frozenset(
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            )
            for operations in app.openapi().get("paths", {}).values()
            for operation in operations.values()
        }
        app.state.query_names = known
    return known


def _unknown(request: Request) -> list[dict[str, Any]]:
    route = request.scope.get("route")
    taken = _query_names(request.app).get(getattr(route, "name", ""))
    if taken is None:
        return []
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
