"""GET /api/v1/tasks: the background tasks of the replica that answers, admins only."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.server.app import create_app
from tests.conftest import make_token

LEADERSHIP = {"sqlite": "single process (SQLite)", "postgres": "PostgreSQL advisory lock"}


@pytest.mark.background_tasks
def test_the_server_runs_its_tasks_and_says_which_it_leads(
    client: TestClient, dialect: str
) -> None:
    deadline = time.monotonic() + 30  # only so a regression fails instead of hanging
    body = client.get("/api/v1/tasks").json()
    while {t["role"] for t in body["tasks"]} != {"leader"} and time.monotonic() < deadline:
        time.sleep(0.05)
        body = client.get("/api/v1/tasks").json()
    assert (body["replica"], body["leadership"]) == (
        f"{socket.gethostname()}:{os.getpid()}",
        LEADERSHIP[dialect],
    )
    assert [(t["name"], t["interval_s"], t["role"]) for t in body["tasks"]] == [
        ("detection-engine", 0.25, "leader"),
        ("review-sampling", 1.0, "leader"),
        ("canary-scheduler", 5.0, "leader"),
        ("notify-dispatcher", 0.05, "leader"),
        ("escalation", 5.0, "leader"),
        ("regulatory-reminders", 60.0, "leader"),
        ("drill-timeouts", 1.0, "leader"),
        ("retention", 300.0, "leader"),
        ("update-reminders", 30.0, "leader"),
    ]
    assert {t["failures"] for t in body["tasks"]} == {0}


def test_disabled_tasks_are_not_run(
    tmp_path: Path, database_url: str, engine: Engine, admin_token: str
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        engine_enabled=False,
        canary_scheduler_enabled=False,
        notify_dispatch_enabled=False,
        escalation_enabled=False,
        regulatory_reminders_enabled=False,
        drill_timeouts_enabled=False,
        retention_enabled=False,
        update_reminders_enabled=False,
    )
    with TestClient(create_app(settings, engine)) as live:
        live.headers["Authorization"] = f"Bearer {admin_token}"
        assert live.get("/api/v1/tasks").json()["tasks"] == []


def test_only_admins_see_the_tasks(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    commander = make_token(session_factory, "watcher", Role.commander)
    answer = app_client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {commander}"})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "watcher has role commander; this needs admin or higher"
