"""The demo's canary target: routes a ticket like the support agent, deterministically.

Declared in examples/blastwall.yaml as ``canary_target: {kind: python, callable:
blastwall.demo.canary_target:answer}``.  It
sorts a prompt into one of the agent's categories by keyword, so the example canaries pass
on every ordinary release; a release whose name contains ``broken`` routes everything to
``general``, which lets the demo show the release gate refusing it.
"""

from __future__ import annotations

import json

from blastwall.demo.model import route

GENERAL = "general"


def answer(prompt: str, *, release: str | None = None) -> dict[str, str]:
    """Output (a JSON routing decision) and label, as a canary target returns them."""
    label = GENERAL if release is not None and "broken" in release else route(prompt)
    return {"output": json.dumps({"category": label, "queue": f"{label}-queue"}), "label": label}
