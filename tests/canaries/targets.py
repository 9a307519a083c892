"""Callables used as python canary targets in the tests (imported by dotted path)."""

from __future__ import annotations

import time
from typing import Any


def echo(prompt: str, *, release: str | None = None) -> str:
    """Answers with the prompt and the release, so checks can see both."""
    return f"{prompt} [{release}]"


def labelled(prompt: str, *, release: str | None = None) -> dict[str, Any]:
    """Labels a prompt about money 'refund', anything else 'general'; 'bad' releases err."""
    label = "refund" if "money" in prompt else "general"
    if release is not None and release.startswith("bad"):
        label = "general"
    return {"output": f"routed to {label}", "label": label}


def boom(prompt: str, *, release: str | None = None) -> str:
    raise RuntimeError("model backend down")


def slow(prompt: str, *, release: str | None = None) -> str:
    time.sleep(0.5)
    return "too late"


def wrong_type(prompt: str, *, release: str | None = None) -> int:
    return 42
