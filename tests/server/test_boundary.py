"""Every input a client can send is refused with a 422 naming what was wrong, on both databases.

NUL characters and lone surrogates in text (PostgreSQL cannot store the first, nobody can
encode the second), ids past the INTEGER columns' range, unknown query parameters; and a
405 lists the methods the path takes in ``Allow``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.registry.factories import SYSTEM, system_spec

NUL = "contains a NUL character (U+0000), which cannot be stored; remove it"
SURROGATE = (
    "contains a lone surrogate (U+D800) at character 3, which is not valid Unicode; "
    "send UTF-8 text (pair surrogates or remove it)"
)
TOO_BIG = "Input should be less than or equal to 2147483647"
BIG = 2**31  # one past PostgreSQL's INTEGER; SQLite's limit is 2**63 - 1
HUGE = 2**63  # past every database's integer


@pytest.fixture
def api(client: TestClient) -> TestClient:
    """An admin client with the support agent registered."""
    response = client.post("/api/v1/systems", json=system_spec().model_dump(mode="json"))
    assert response.status_code == 201
    return client


def _errors(response: Any) -> tuple[int, list[dict[str, str]]]:
    return response.status_code, response.json().get("errors")


LEVERS = f"/api/v1/systems/{SYSTEM}/levers"
HANDOFF = {"system": SYSTEM, "environment": "prod"}
APPROVAL = {"system": SYSTEM, "environment": "prod", "action": "issue-refund"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (LEVERS, {"reason": "leak\x00", "set": {"killed": True}}, "reason"),
        (LEVERS, {"reason": "x", "set": {"reroute_model": "gpt\x00-4o"}}, "set.reroute_model"),
        ("/api/v1/incidents", {"title": "over\x00pays", "harm": "minor"}, "title"),
        ("/api/v1/incidents", {"title": "t", "harm": "minor", "summary": "\x00"}, "summary"),
        ("/api/v1/handoffs", {**HANDOFF, "input": "refund\x00"}, "input"),
        ("/api/v1/handoffs", {**HANDOFF, "context": {"note": ["a", "\x00"]}}, "context.note.1"),
        ("/api/v1/handoffs", {**HANDOFF, "context": {"k\x00": 1}}, "context.k\x00"),
        ("/api/v1/approvals", {**APPROVAL, "arguments": {"amount": "1\x000"}}, "arguments.amount"),
    ],
)
def test_nul_in_text_is_refused_naming_the_field(
    api: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    assert _errors(api.post(path, json=body)) == (422, [{"field": field, "message": NUL}])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/approvals", {**APPROVAL, "arguments": {"to": "abc\ud800"}}, "arguments.to"),
        ("/api/v1/handoffs", {**HANDOFF, "context": {"release": "abc\ud800"}}, "context.release"),
        ("/api/v1/handoffs", {**HANDOFF, "input": "abc\ud800"}, "input"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_the_field(
    api: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    # json.dumps escapes the surrogate as \ud800, as a client in any language would send it.
    raw = json.dumps(body).encode()
    response = api.post(path, content=raw, headers={"Content-Type": "application/json"})
    assert _errors(response) == (422, [{"field": field, "message": SURROGATE}])


def test_a_paired_surrogate_is_ordinary_text(api: TestClient) -> None:
    raw = json.dumps({**HANDOFF, "input": "ok \U0001f600"}).encode()
    response = api.post(
        "/api/v1/handoffs", content=raw, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["input"]) == (201, "ok \U0001f600")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/incidents?system=support%00agent", "system"),
        (f"/api/v1/systems/{SYSTEM}%00/levers", "name"),
    ],
)
def test_nul_in_a_query_or_path_parameter_is_refused(api: TestClient, url: str, field: str) -> None:
    assert _errors(api.get(url)) == (422, [{"field": field, "message": NUL}])


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("GET", "/api/v1/incidents/{n}", "incident_id"),
        ("GET", f"/api/v1/incidents/{HUGE}", "incident_id"),  # the report's example
        ("PATCH", "/api/v1/incidents/{n}", "incident_id"),
        ("POST", "/api/v1/incidents/{n}/acknowledge", "incident_id"),
        ("POST", "/api/v1/incidents/{n}/resolve", "incident_id"),
        ("GET", "/api/v1/handoffs/{n}", "handoff_id"),
        ("POST", "/api/v1/handoffs/{n}/claim", "handoff_id"),
        ("GET", "/api/v1/approvals/{n}", "approval_id"),
        ("GET", "/api/v1/alarms/{n}", "alarm_id"),
        ("GET", "/api/v1/alarms?incident_id={n}", "incident_id"),
        ("GET", "/api/v1/incidents/{n}/verification", "incident_id"),
        ("GET", "/api/v1/canary-runs/{n}", "run_id"),
        ("GET", "/api/v1/review/{n}", "item_id"),
        ("GET", "/api/v1/levers?since={n}", "since"),
        ("GET", "/api/v1/audit?after_seq={n}", "after_seq"),
    ],
)
def test_an_id_past_the_integer_columns_is_refused(
    api: TestClient, method: str, url: str, field: str
) -> None:
    body = {"title": "t"} if method == "PATCH" else None
    response = api.request(method, url.format(n=BIG), json=body)
    assert _errors(response) == (422, [{"field": field, "message": TOO_BIG}])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (LEVERS, {"reason": "x", "set": {"killed": True}, "incident_id": BIG}),
        (
            f"/api/v1/systems/{SYSTEM}/rollback",
            {"reason": "x", "environment": "prod", "incident_id": HUGE},
        ),
    ],
)
def test_an_id_in_a_body_past_the_integer_columns_is_refused(
    api: TestClient, path: str, body: dict[str, Any]
) -> None:
    assert _errors(api.post(path, json=body)) == (
        422,
        [{"field": "incident_id", "message": TOO_BIG}],
    )


def test_the_largest_id_is_a_plain_not_found(api: TestClient) -> None:
    response = api.get(f"/api/v1/incidents/{2**31 - 1}")
    assert response.status_code == 404


def test_an_unknown_query_parameter_is_refused_with_the_known_ones(api: TestClient) -> None:
    response = api.get("/api/v1/incidents?sytem=support-agent")
    message = (
        "is not a parameter of this route (it takes: cursor, limit, severity, status, system); "
        "remove or fix it"
    )
    assert _errors(response) == (422, [{"field": "sytem", "message": message}])


def test_method_not_allowed_lists_every_method_of_the_path(api: TestClient) -> None:
    response = api.put("/api/v1/incidents")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, POST")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Method Not Allowed"


def _literal_siblings(paths: dict[str, dict[str, Any]]) -> list[tuple[str, str, set[str]]]:
    # (literal path, its parameter sibling, methods the literal does not take) for every
    # pair of paths that differ in one segment, a literal in one and a {param} in the other.
    found = []
    for literal, operations in paths.items():
        for template, siblings in paths.items():
            pairs = list(zip(literal.split("/"), template.split("/"), strict=False))
            differ = [(a, b) for a, b in pairs if a != b]
            if len(literal.split("/")) == len(template.split("/")) and len(differ) == 1:
                (mine, theirs) = differ[0]
                if not mine.startswith("{") and theirs.startswith("{"):
                    others = {m.upper() for m in siblings} - {m.upper() for m in operations}
                    found.append((literal, template, others))
    return found


def test_a_literal_segment_answers_405_for_the_methods_of_its_parameter_sibling(
    api: TestClient,
) -> None:
    """GET /review/next is a 405 (Allow: POST), not GET /review/{item_id} with id "next"."""
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    siblings = _literal_siblings(paths)
    assert {(literal, template) for literal, template, _ in siblings} == {
        ("/api/v1/drills/faults", "/api/v1/drills/{run_id}"),
        ("/api/v1/drills/scenarios", "/api/v1/drills/{run_id}"),
        ("/api/v1/incidents/metrics", "/api/v1/incidents/{incident_id}"),
        ("/api/v1/notifications/channels", "/api/v1/notifications/{notification_id}"),
        ("/api/v1/notifications/routes", "/api/v1/notifications/{notification_id}"),
        ("/api/v1/review/next", "/api/v1/review/{item_id}"),
        ("/api/v1/systems/{name}/canaries/run", "/api/v1/systems/{name}/canaries/{canary_set}"),
    }
    answered = {}
    for literal, _, others in siblings:
        allow = sorted(
            {m.upper() for m in paths[literal]} | ({"HEAD"} if "get" in paths[literal] else set())
        )
        for method in sorted(others):
            response = api.request(method, literal.replace("{name}", SYSTEM))
            answered[method, literal] = (response.status_code, response.headers.get("allow"))
            assert answered[method, literal] == (405, ", ".join(allow))
    assert sorted(answered) == [
        ("GET", "/api/v1/review/next"),
        ("GET", "/api/v1/systems/{name}/canaries/run"),
        ("PATCH", "/api/v1/incidents/metrics"),
        ("PUT", "/api/v1/systems/{name}/canaries/run"),
    ]


def test_a_method_no_route_takes_on_a_literal_segment_lists_its_methods(api: TestClient) -> None:
    response = api.delete("/api/v1/review/next")
    assert (response.status_code, response.headers["allow"]) == (405, "POST")


def test_a_parameter_route_still_serves_and_validates_its_own_ids(api: TestClient) -> None:
    """The literal check leaves /incidents/{id} alone: a missing id is a 404, a word a 422."""
    assert api.get("/api/v1/incidents/7").status_code == 404
    response = api.get("/api/v1/incidents/abc")
    message = "Input should be a valid integer, unable to parse string as an integer"
    assert _errors(response) == (422, [{"field": "incident_id", "message": message}])


TIME = "must be an RFC 3339 time such as 2026-05-01T09:30:00Z, not a number"


@pytest.mark.parametrize(
    ("method", "url", "body", "field", "message"),
    [
        (
            "POST",
            "/api/v1/incidents",
            {"title": "t", "harm": "minor", "started_at": 0},
            "started_at",
            TIME,
        ),
        ("GET", "/api/v1/traces?until=0.5", None, "until", TIME),
        (
            "PUT",
            f"/api/v1/systems/{SYSTEM}/review-config",
            {"sample_rate": False},
            "sample_rate",
            "must not be true or false",
        ),
        (
            "POST",
            "/api/v1/apply",
            {"document": {"version": 1}, "dry_run": 0},
            "dry_run",
            "must be true or false",
        ),
    ],
)
def test_booleans_numbers_and_times_are_not_coerced(
    api: TestClient, method: str, url: str, body: Any, *, field: str, message: str
) -> None:
    response = api.request(method, url, json=body)
    assert _errors(response) == (422, [{"field": field, "message": message}])


def _cursor(list_name: str, key: list[Any]) -> str:
    raw = json.dumps({"l": list_name, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_with_an_id_past_the_column_is_refused(api: TestClient) -> None:
    cursor = _cursor("audit", [BIG])
    response = api.get(f"/api/v1/audit?cursor={cursor}")
    assert (response.status_code, response.json()["field"]) == (422, "cursor")


def test_free_text_limits_count_what_was_sent_and_surrounding_spaces_are_trimmed(
    api: TestClient,
) -> None:
    """The OpenAPI's maxLength holds for the text as sent; the stored text is trimmed."""
    made = api.post("/api/v1/incidents", json={"title": "  refunds  ", "harm": "minor"})
    assert (made.status_code, made.json()["title"]) == (201, "refunds")
    notes = f"/api/v1/incidents/{made.json()['id']}/notes"
    too_long = api.post(notes, json={"message": "\f" + "x" * 20_000})
    message = "String should have at most 20000 characters"
    assert _errors(too_long) == (422, [{"field": "message", "message": message}])
    blank = api.post(notes, json={"message": " \u3000\t"})
    message = "Value error, must not be blank; write some text"
    assert _errors(blank) == (422, [{"field": "message", "message": message}])
    # U+001C is not a space to JSON Schema's \s, so it is not trimmed either.
    kept = api.post(notes, json={"message": "\x1c"})
    assert (kept.status_code, kept.json()["message"]) == (201, "\x1c")


def test_an_approval_reason_is_blank_only_when_json_schema_says_so(api: TestClient) -> None:
    """Only JSON Schema's spaces make a blank reason; U+001C (Python's whitespace) does not."""
    first = api.post("/api/v1/approvals", json=APPROVAL).json()["id"]
    blank = api.post(f"/api/v1/approvals/{first}/approve", json={"reason": " \t\u3000"})
    assert (blank.status_code, blank.json()["detail"]) == (
        422,
        "reason: empty; say why, it is recorded in the audit log, e.g. 'refund matches the "
        "order total'",
    )
    kept = api.post(f"/api/v1/approvals/{first}/approve", json={"reason": "\x1c"})
    assert (kept.status_code, kept.json()["status"], kept.json()["reason"]) == (
        200,
        "approved",
        "\x1c",
    )
