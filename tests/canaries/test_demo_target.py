"""The demo's canary target routes like the support agent and breaks on 'broken' releases."""

from __future__ import annotations

import json

import pytest

from blastwall.demo.agent import TICKETS
from blastwall.demo.canary_target import answer, route


@pytest.mark.parametrize("category", sorted(TICKETS))
def test_each_demo_ticket_is_routed_to_its_category(category: str) -> None:
    text = TICKETS[category].format(order="A12345", amount=45, email="kim@example.com")
    assert route(text) == category


def test_answer_returns_json_output_and_label() -> None:
    reply = answer("please refund me", release="v2")
    assert reply["label"] == "refund"
    assert json.loads(reply["output"]) == {"category": "refund", "queue": "refund-queue"}


def test_a_broken_release_routes_everything_to_general() -> None:
    assert answer("someone used my card", release="v3-broken")["label"] == "general"
