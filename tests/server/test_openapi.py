"""The OpenAPI a client is generated from: bearer auth, clean operation ids, every error
documented as problem+json, examples that the API's own schemas accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from blastwall.access.schemas import TokenCreate
from blastwall.approvals.schemas import ApprovalCreate
from blastwall.config import Settings
from blastwall.handoffs.schemas import HandoffCreate
from blastwall.incidents.schemas import IncidentCreate
from blastwall.levers.schemas import LeverActionRequest, LeverChangeRequest
from blastwall.registry.schemas import SystemSpec
from blastwall.server import params, routers
from blastwall.server.app import create_app
from blastwall.traces.schemas import TraceQuery

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'blastwall.db'}",
        engine_enabled=False,
        canary_scheduler_enabled=False,
    )
    with TestClient(create_app(settings)) as client:
        body: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_the_bearer_scheme_is_declared_and_required_by_every_api_operation(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `blastwall token create`.",
        }
    }
    unsecured = [
        f"{method} {path}"
        for method, path, operation in _operations(document)
        if operation.get("security") != [{"HTTPBearer": []}]
    ]
    assert unsecured == ["get /healthz"]


def test_operation_ids_are_the_route_names(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    by_route = {f"{method} {path}": op["operationId"] for method, path, op in _operations(document)}
    assert by_route["get /api/v1/tokens"] == "list_tokens"
    assert by_route["post /api/v1/incidents"] == "open_incident"
    assert by_route["post /api/v1/systems/{name}/kill"] == "kill"
    assert [i for i in ids if "api_v1" in i] == []


def test_every_error_an_operation_can_answer_is_a_documented_problem(
    document: dict[str, Any],
) -> None:
    missing = []
    for method, path, operation in _operations(document):
        if path == "/healthz":
            continue
        expected = {"401", "422", "429"}
        if method in WRITES:
            expected |= {"400", "403", "404", "409", "413"}
        if "{" in path:
            expected.add("404")
        responses = operation["responses"]
        missing += [f"{method} {path} {s}" for s in sorted(expected - set(responses))]
        errors = {status: r for status, r in responses.items() if status >= "400"}
        missing += [
            f"{method} {path} {s} body" for s, r in errors.items() if r["content"] != PROBLEM
        ]
    assert missing == []
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["title", "status", "detail"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (IncidentCreate, "IncidentCreate"),
        (LeverChangeRequest, "LeverChangeRequest"),
        (LeverActionRequest, "LeverActionRequest"),
        (HandoffCreate, "HandoffCreate"),
        (ApprovalCreate, "ApprovalCreate"),
        (TokenCreate, "TokenCreate"),
        (SystemSpec, "SystemSpec"),
    ],
)
def test_main_request_schemas_carry_examples_they_accept(
    document: dict[str, Any], model: type[BaseModel], name: str
) -> None:
    examples = document["components"]["schemas"][name]["examples"]
    assert len(examples) == 1
    assert model.model_validate(examples[0]).model_dump(exclude_unset=True) == examples[0]


def test_free_text_and_free_form_json_say_they_refuse_nul_and_lone_surrogates(
    document: dict[str, Any],
) -> None:
    """A fuzzer or a generated client reads the storable-text rule from the document."""
    schemas = document["components"]["schemas"]
    text = "^[^\\u0000]*$"
    assert schemas["HandoffCreate"]["properties"]["input"]["pattern"] == text
    assert schemas["HandoffCreate"]["properties"]["context"] == {
        "additionalProperties": {"$ref": "#/components/schemas/StorableJson"},
        "propertyNames": {"pattern": text},
        "type": "object",
        "title": "Context",
        "description": "Anything the app attaches: release, attributes.",
    }
    assert schemas["StorableJson"]["anyOf"][0] == {"type": "string", "pattern": text}
    # A slug keeps its own pattern (it already excludes NUL); the Problem is left as sent.
    assert schemas["SystemSpec"]["properties"]["name"]["pattern"] == "^[a-z0-9][a-z0-9._-]{0,99}$"
    assert "pattern" not in schemas["Problem"]["properties"]["detail"]
    parameters = document["paths"]["/api/v1/traces/{trace_id}"]["get"]["parameters"]
    assert [p["schema"]["pattern"] for p in parameters if p["name"] == "trace_id"] == [text]


def test_an_incident_update_says_which_fields_take_null_and_that_it_is_not_empty(
    document: dict[str, Any],
) -> None:
    update = document["components"]["schemas"]["IncidentUpdate"]
    nullable = sorted(
        name
        for name, field in update["properties"].items()
        if {"type": "null"} in field.get("anyOf", [])
    )
    assert (update["minProperties"], nullable) == (1, ["commander", "failure_mode"])


def test_optional_headers_are_absent_or_text_never_null(document: dict[str, Any]) -> None:
    headers = {
        (path, method, p["name"]): p["schema"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for p in operation.get("parameters", [])
        if p["in"] == "header"
    }
    assert all("anyOf" not in schema for schema in headers.values())
    stream = headers[("/api/v1/levers/stream", "get", "last-event-id")]
    assert (stream["type"], stream["pattern"]) == ("string", "^[ \\t]*[0-9]{1,10}[ \\t]*$")
    key = headers[("/api/v1/incidents", "post", "Idempotency-Key")]
    assert (key["type"], key["pattern"], key["maxLength"]) == ("string", "^[\\x21-\\x7e]+$", 200)


def test_the_query_parameters_refused_as_unknown_are_exactly_those_the_document_lists(
    document: dict[str, Any],
) -> None:
    """check_params reads each route's query parameters from the route (once per process),
    not from this document (once per app): both must name the same parameters."""
    listed = {
        operation["operationId"]: sorted(
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        )
        for _, _, operation in _operations(document)
    }
    routes = [route for router in routers.ALL for route in router.routes]
    assert all(isinstance(route, APIRoute) for route in routes)
    taken = {
        route.name: sorted(params._query_names(route))
        for route in routes
        if isinstance(route, APIRoute)
    }
    assert taken == {name: listed[name] for name in taken}
    assert set(listed) - set(taken) == {"healthz"}
    assert taken["list_traces"] == sorted(TraceQuery.model_fields)  # a model taken as Query()
