"""Paging tests: channel variables set, ack links signed, no background task of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blastwall.config import get_settings

LINK_SECRET = "k" * 40


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every channel of the test file can send; apps started here run no background task
    (the tests call the escalation task themselves, on a clock they set)."""
    for name, value in {
        "CHAT_URL": "http://127.0.0.1:9/slack",
        "PD_OPS_KEY": "o" * 32,
        "PD_KEY_CEM": "c" * 32,
        "BLASTWALL_ACK_LINK_SECRET": LINK_SECRET,
        "BLASTWALL_PUBLIC_URL": "https://bw.example.com",
        "BLASTWALL_NOTIFY_DISPATCH_ENABLED": "false",
        "BLASTWALL_ESCALATION_ENABLED": "false",
        "BLASTWALL_ENGINE_ENABLED": "false",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


from tests.cli.conftest import cli, server_url  # noqa: E402  (live-server fixtures)

__all__ = ["cli", "server_url"]
