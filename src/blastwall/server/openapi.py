"""The OpenAPI document: clean operation ids, the shared Problem schema, storable text.

Every input refuses NUL and lone surrogates (blastwall.inputs); the document says so, so
a generated client or a fuzzer knows a string with them is invalid rather than finding
out from a 422: each free-text string gets ``STORABLE_TEXT`` as its ``pattern``, and each
free-form JSON object (``arguments``, ``context``, ...) refers to ``StorableJson``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from blastwall.server.responses import Problem

STORABLE_TEXT = "^[^\\u0000]*$"
"""Text without NUL (U+0000), as a JSON Schema pattern. Lone surrogates (also refused) are
left out of it: a validator built on Unicode scalar values (Rust's regex, which
schemathesis checks patterns with) cannot compile a surrogate range, and drops the pattern."""

STORABLE_JSON: dict[str, Any] = {
    "description": "Any JSON whose strings and keys are storable text (no NUL, no lone surrogate).",
    "anyOf": [
        {"type": "string", "pattern": STORABLE_TEXT},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": {"$ref": "#/components/schemas/StorableJson"}},
        {
            "type": "object",
            "propertyNames": {"pattern": STORABLE_TEXT},
            "additionalProperties": {"$ref": "#/components/schemas/StorableJson"},
        },
    ],
}

_FREE = frozenset({"pattern", "enum", "const", "format"})


def _storable(node: Any) -> None:
    # Free text (a string with no pattern, choice or format of its own) and free-form JSON
    # get the storable-text rule, everywhere in the document.
    if isinstance(node, list):
        for item in node:
            _storable(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not _FREE & node.keys():
        node["pattern"] = STORABLE_TEXT
    if node.get("type") == "object" and node.get("additionalProperties") is True:
        node["propertyNames"] = {"pattern": STORABLE_TEXT}
        node["additionalProperties"] = {"$ref": "#/components/schemas/StorableJson"}
    for value in node.values():
        _storable(value)


def _headers_never_null(document: dict[str, Any]) -> None:
    # An optional header is absent, never JSON null: FastAPI writes ``str | None`` as
    # anyOf [string, null], and a client or fuzzer then sends the text "null". Keep the
    # non-null branch, with the parameter's own keys (its pattern, description) on top.
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = schema.get("anyOf", [])
                if parameter.get("in") != "header" or {"type": "null"} not in branches:
                    continue
                [kept] = [b for b in branches if b != {"type": "null"}]
                outer = {k: v for k, v in schema.items() if k != "anyOf"}
                parameter["schema"] = {**kept, **outer}


def operation_id(route: APIRoute) -> str:
    """The route function's name (``list_tokens``), unique across the API, for generated clients."""
    return route.name


def install(app: FastAPI) -> None:
    """Build the document once, with the Problem schema the error responses refer to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            # The Problem echoes what was refused (a field name may hold the NUL), so it
            # is added after the rule is applied.
            _headers_never_null(document)
            _storable(document)
            schemas["StorableJson"] = STORABLE_JSON
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
