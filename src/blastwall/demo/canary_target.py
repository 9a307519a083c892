"""The demo's canary target: routes a ticket like the support agent, deterministically.

Declared in examples/blastwall.yaml as ``canary_target: {kind: python, callable:
blastwall.demo.canary_target:answer}``.  It
sorts a prompt into one of the agent's categories by keyword, so the example canaries pass
on every ordinary release; a release whose name contains ``broken`` routes everything to
``general``, which lets the demo show the release gate refusing it.
"""

from __future__ import annotations

import json

from blastwall.demo.agent import CATEGORIES

# First match wins; the order keeps "someone used my card ... refund" a fraud case.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fraud", ("did not place", "used my card", "stolen", "fraud")),
    ("account_access", ("log in", "login", "password", "locked out")),
    ("refund", ("refund", "money back", "torn", "broken item")),
)


def route(prompt: str) -> str:
    """The category of a ticket text; ``general`` when no keyword matches."""
    text = prompt.lower()
    for category, words in _KEYWORDS:
        if any(word in text for word in words):
            return category
    return CATEGORIES[0]


def answer(prompt: str, *, release: str | None = None) -> dict[str, str]:
    """Output (a JSON routing decision) and label, as a canary target returns them."""
    label = CATEGORIES[0] if release is not None and "broken" in release else route(prompt)
    return {"output": json.dumps({"category": label, "queue": f"{label}-queue"}), "label": label}
