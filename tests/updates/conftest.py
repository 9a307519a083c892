"""Communications tests run no background task of the server: they tick the reminder task
themselves, on a clock they set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from blastwall.config import get_settings
from tests.cli.conftest import api, cli, server_url

__all__ = ["api", "cli", "server_url"]


@pytest.fixture(autouse=True)
def _quiet_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "BLASTWALL_NOTIFY_DISPATCH_ENABLED",
        "BLASTWALL_ESCALATION_ENABLED",
        "BLASTWALL_ENGINE_ENABLED",
        "BLASTWALL_CANARY_SCHEDULER_ENABLED",
        "BLASTWALL_UPDATE_REMINDERS_ENABLED",
    ):
        monkeypatch.setenv(name, "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
