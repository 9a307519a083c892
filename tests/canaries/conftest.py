"""Canary tests may call their own targets: the allow-lists name them, as an admin would."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from blastwall.config import get_settings

TEST_CALLABLES = [
    "tests.canaries.targets:*",
    "tests.canaries.nowhere:*",
    "blastwall.demo.canary_target:answer",
]
TEST_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def allowed_targets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BLASTWALL_CANARY_PYTHON_TARGETS", json.dumps(TEST_CALLABLES))
    monkeypatch.setenv("BLASTWALL_CANARY_HTTP_HOSTS", json.dumps(TEST_HOSTS))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
