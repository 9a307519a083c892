"""The lists of a system's own parts, of tokens and of authority rules take the one list
shape too: each reads every item once in its documented order, page after page, and
refuses a cursor it did not make with the same 422 as every other list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.pagination import encode
from blastwall.db.session import unit_of_work
from tests.canaries.factories import routing_body
from tests.registry.factories import contents, make_system

API = "/api/v1"
AGENT = f"{API}/systems/support-agent"


@pytest.fixture
def parts(client: TestClient, session_factory: sessionmaker[Session]) -> TestClient:
    """Three of each part, created out of their list order where the order is by name."""
    with unit_of_work(session_factory) as session:
        make_system(session)
    for tag in ("1", "2", "3"):
        body = {"name": f"r{tag}", "surfaces": contents(tag)}
        assert client.post(f"{AGENT}/releases", json=body).status_code == 201
    for name in ("gamma", "alpha", "beta"):
        assert client.put(f"{AGENT}/canaries/{name}", json=routing_body()).is_success
    for interval in (60, 120):  # alpha gets versions 2 and 3
        body = routing_body(interval_s=interval)
        assert client.put(f"{AGENT}/canaries/alpha", json=body).json()["created"] is True
    for name in ("m-c", "m-a", "m-b"):
        body = {"name": name, "signal": "review_accuracy"}
        assert client.post(f"{AGENT}/monitors", json=body).status_code == 201
    for environment in ("staging", "prod"):
        body = {"environment": environment, "reason": "drill", "set": {"safe_mode": True}}
        assert client.post(f"{AGENT}/levers", json=body).is_success
    for name in ("ci-bot", "a-bot"):
        assert client.post(f"{API}/tokens", json={"name": name, "role": "viewer"}).is_success
    return client


def _rule(item: dict[str, Any]) -> str:
    return f"{item['subject']} {item['lever']}"


# route, list name in its cursors, what names an item, every item in order
LISTS: list[tuple[str, str, Callable[[dict[str, Any]], Any], list[Any]]] = [
    (f"{AGENT}/releases", "releases", lambda i: i["name"], ["r3", "r2", "r1"]),
    (f"{AGENT}/surfaces/prompt/versions", "surface-versions", lambda i: i["number"], [3, 2, 1]),
    (f"{AGENT}/canaries", "canary-sets", lambda i: (i["name"], i["version"]),
     [("alpha", 3), ("beta", 1), ("gamma", 1)]),
    (f"{AGENT}/canaries/alpha/versions", "canary-set-versions", lambda i: i["version"], [3, 2, 1]),
    (f"{AGENT}/monitors", "monitors", lambda i: i["name"], ["m-a", "m-b", "m-c"]),
    (f"{AGENT}/levers", "lever-states", lambda i: (i["environment"], i["safe_mode"]),
     [("*", False), ("prod", True), ("staging", True)]),
    (f"{API}/tokens", "tokens", lambda i: i["name"], ["root", "ci-bot", "a-bot"]),
    (f"{API}/authority", "authority", _rule,
     ["role:admin *", "role:commander *", "role:responder kill", "role:responder restore"]),
]  # fmt: skip


def _read_all(client: TestClient, route: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of ``route`` read ``limit`` at a time, and the number of pages it took."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = parts_get(client, route, params)
        items += response["items"]
        pages += 1
        cursor = response["next_cursor"]
        if cursor is None:
            return items, pages


def parts_get(client: TestClient, route: str, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get(route, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "next_cursor"}
    return body


@pytest.mark.parametrize(("route", "name", "key", "expected"), LISTS, ids=[x[1] for x in LISTS])
def test_pages_of_two_read_every_item_once_in_order(
    parts: TestClient,
    route: str,
    name: str,
    key: Callable[[dict[str, Any]], Any],
    expected: list[Any],
) -> None:
    items, pages = _read_all(parts, route, 2)
    assert [key(i) for i in items] == expected
    assert pages == 2
    whole = parts_get(parts, route, {})
    assert ([key(i) for i in whole["items"]], whole["next_cursor"]) == (expected, None)


@pytest.mark.parametrize(("route", "name", "key", "expected"), LISTS, ids=[x[1] for x in LISTS])
def test_a_cursor_of_another_list_or_an_edited_one_is_a_422(
    parts: TestClient,
    route: str,
    name: str,
    key: Callable[[dict[str, Any]], Any],
    expected: list[Any],
) -> None:
    foreign = encode("incidents", [3])
    wrong_type = encode(name, [{"t": "2025-01-31T12:00:00Z"}])  # a time where no list has one
    for cursor in ("nope", foreign, wrong_type):
        bad = parts.get(route, params={"cursor": cursor})
        assert bad.status_code == 422
        assert bad.json()["detail"] == (
            f"cursor: {cursor[:80]!r} is not a cursor of this list; pass next_cursor from the "
            "previous page unchanged, or leave cursor out for the first page"
        )
    for limit in (0, 1001):
        assert parts.get(route, params={"limit": limit}).status_code == 422


@pytest.mark.parametrize(
    ("route", "key"),
    [
        (f"{API}/authority", ["role:admin", "*"]),  # two parts of three
        (f"{API}/authority", ["role:admin", "*", 7]),  # a number where text belongs
        (f"{AGENT}/levers", ["prod"]),
    ],
)
def test_a_cursor_of_a_list_built_in_python_is_checked_part_by_part(
    parts: TestClient, route: str, key: list[Any]
) -> None:
    name = "authority" if route.endswith("authority") else "lever-states"
    bad = parts.get(route, params={"cursor": encode(name, key)})
    assert (bad.status_code, bad.json()["field"]) == (422, "cursor")


def test_a_system_that_does_not_exist_is_still_a_404_on_a_later_page(parts: TestClient) -> None:
    first = parts_get(parts, f"{AGENT}/releases", {"limit": 1})
    missing = parts.get(f"{API}/systems/nope/releases", params={"cursor": first["next_cursor"]})
    assert missing.status_code == 404
    gone = parts.get(f"{AGENT}/canaries/nope/versions")
    assert gone.status_code == 404
