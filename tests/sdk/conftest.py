"""Fixtures shared by the SDK tests: a fake Blastwall server and Guards that follow it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from blastwall.sdk import Guard
from tests.sdk.factories import ENVIRONMENT, SYSTEM, FakeServer

GuardFactory = Callable[..., Guard]


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def make_guard(fake: FakeServer, tmp_path: Path) -> Iterator[GuardFactory]:
    made: list[Guard] = []

    def build(**kw: object) -> Guard:
        options: dict[str, object] = {
            "server": "http://blastwall.test",
            "token": "t0ken",
            "transport": fake.transport,
            "otel_spans": False,
            "state_file": tmp_path / "levers.json",
            "poll_interval_s": 0.05,
            "flush_interval_s": 0.05,
        } | kw
        guard = Guard(SYSTEM, ENVIRONMENT, **options)  # type: ignore[arg-type]  # test options
        made.append(guard)
        return guard

    yield build
    fake.down = True  # ends open streams so the followers stop at once
    for guard in made:
        guard.close()
