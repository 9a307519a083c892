"""The demo support agent behaves as the README promises, checked with blastwall.testing."""

from __future__ import annotations

from collections import Counter

import pytest

from blastwall import testing
from blastwall.demo.agent import (
    BASELINE_SHARES,
    CATEGORIES,
    SupportAgent,
    Ticket,
    shares_with_fraud,
)
from blastwall.sdk import Fallbacks
from blastwall.sdk.release import WireRelease, canonical_hash


def agent() -> SupportAgent:
    guard = testing.offline_guard(
        "support-agent", fallbacks=Fallbacks(killed="paused", human="a person will reply")
    )
    return SupportAgent(guard, seed=3)


def refund(amount: int) -> Ticket:
    return Ticket("u-1", f"refund {amount} EUR", "refund", "A10001", amount)


def test_kill_sends_every_ticket_to_the_fallback() -> None:
    bot = agent()
    testing.set_levers(bot.guard, killed=True)
    with testing.capture() as captured:
        replies = [bot.handle(bot.next_ticket()) for _ in range(3)]
    assert [r.text for r in replies] == ["paused", "paused", "paused"]
    assert captured.decisions == ["killed", "killed", "killed"]
    assert captured.levers_applied == ["kill", "kill", "kill"]


def test_refund_over_the_limit_is_denied_by_the_gate_and_escalated() -> None:
    bot = agent()
    bot.set_fraud_share(0.0)
    bot.shares = tuple(1.0 if c == "refund" else 0.0 for c in CATEGORIES)
    with testing.capture() as captured:
        big = bot.handle(refund(240))
        small = bot.handle(refund(45))
    assert big.text == "A colleague will take this over (refunds over 200 EUR need a person)."
    assert small.text == "I have refunded 45 EUR to your card."
    gates = [(g.name, g.status.value if g.status else None) for g in captured.gates]
    assert gates == [
        ("issue_refund", "denied"),
        ("escalate_to_human", "fired"),
        ("send_reply", "fired"),
        ("issue_refund", "fired"),
        ("send_reply", "fired"),
    ]


def test_drift_raises_the_fraud_share_and_keeps_the_others_in_proportion() -> None:
    drifted = shares_with_fraud(0.09)
    assert drifted[CATEGORIES.index("fraud")] == pytest.approx(0.09)
    assert sum(drifted) == pytest.approx(1.0)
    assert drifted[0] / drifted[1] == pytest.approx(BASELINE_SHARES[0] / BASELINE_SHARES[1])
    bot = agent()
    bot.set_fraud_share(0.09)
    labels = Counter(bot.handle(bot.next_ticket()).label for _ in range(2000))
    # seeded: 182 of 2000 tickets (9.1%) are routed to fraud, against 2% before the drift
    assert labels == {"general": 1185, "refund": 496, "fraud": 182, "account_access": 137}


def test_the_agent_runs_the_model_prompt_sources_and_limit_of_the_release_in_force() -> None:
    bot = agent()
    bot.guard.model = "router-model"
    contents = {
        "router-model": {"provider": "openai", "model": "gpt-4o-mini-2024-07-18"},
        "system-prompt": {"template": "Refunds up to 50 EUR only."},
        "help-centre": {"sources": ["help-centre-articles"]},
        "generation": {"temperature": 0.2, "refund_limit_eur": 50},
    }
    kinds = {"router-model": "model", "system-prompt": "prompt", "help-centre": "retrieval"}
    bot.guard.levers_cache.apply_release(
        WireRelease.model_validate(
            {
                "system": "support-agent",
                "environment": "test",
                "release": "r7",
                "revision": 1,
                "surfaces": {
                    name: {
                        "kind": kinds.get(name, "config"),
                        "version": 2,
                        "hash": canonical_hash(content),
                        "content": content,
                    }
                    for name, content in contents.items()
                },
            }
        )
    )
    bot.shares = tuple(1.0 if c == "refund" else 0.0 for c in CATEGORIES)
    with testing.capture() as captured:
        reply = bot.handle(refund(80))
    assert reply.text == "A colleague will take this over (refunds over 50 EUR need a person)."
    assert bot.prompt == "Refunds up to 50 EUR only."
    [call] = captured.calls
    assert (call.model, call.release, dict(call.surfaces or {})) == (
        "gpt-4o-mini-2024-07-18",
        "r7",
        {"generation": 2, "help-centre": 2, "router-model": 2, "system-prompt": 2},
    )
    # refund-policy is not among the release's sources, so only the article is retrieved.
    assert [d.source for d in call.documents] == ["help-centre-articles"]
