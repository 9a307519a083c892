"""`blastwall tasks`: the answering replica's background tasks, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from blastwall.config import Settings
from blastwall.server.app import create_app
from tests.cli.conftest import invoke, lines, running
from tests.tasks.servers import eventually

LEADERSHIP = {"sqlite": "single process (SQLite)", "postgres": "PostgreSQL advisory lock"}


def test_tasks_shows_each_task_and_its_role(
    tmp_path: Path, database_url: str, engine: Engine, admin_token: str, dialect: str
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        canary_scheduler_enabled=False,
        notify_dispatch_enabled=False,
        escalation_enabled=False,
        regulatory_reminders_enabled=False,
        drill_timeouts_enabled=False,
        update_reminders_enabled=False,
        retention_enabled=False,
    )
    with running(create_app(settings, engine)) as url:
        env: dict[str, str | None] = {"BLASTWALL_SERVER": url, "BLASTWALL_TOKEN": admin_token}
        body = eventually(
            lambda: json.loads(invoke("tasks", "--json", env=env).stdout),
            lambda seen: {t["role"] for t in seen["tasks"]} == {"leader"},
            "both tasks leading",
        )
        table = lines(invoke("tasks", env=env).stdout)
    assert body["leadership"] == LEADERSHIP[dialect]
    assert [(t["name"], t["interval_s"]) for t in body["tasks"]] == [
        ("detection-engine", 0.25),
        ("review-sampling", 1.0),
    ]
    assert table[:2] == [f"Replica:    {body['replica']}", f"Leadership: {LEADERSHIP[dialect]}"]
    assert table[2].split() == [
        "TASK",
        "ROLE",
        "EVERY",
        "TICKS",
        "FAILURES",
        "LAST",
        "TICK",
        "LAST",
        "ERROR",
    ]
    assert [row.split()[:4] for row in table[4:]] == [
        ["detection-engine", "leader", "0.25", "s"],
        ["review-sampling", "leader", "1", "s"],
    ]


def test_tasks_says_when_none_runs(
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
        update_reminders_enabled=False,
        retention_enabled=False,
    )
    with running(create_app(settings, engine)) as url:
        env: dict[str, str | None] = {"BLASTWALL_SERVER": url, "BLASTWALL_TOKEN": admin_token}
        shown = lines(invoke("tasks", env=env).stdout)
    assert shown[2:] == [
        "No background task runs on this replica (BLASTWALL_ENGINE_ENABLED, "
        "BLASTWALL_CANARY_SCHEDULER_ENABLED, BLASTWALL_NOTIFY_DISPATCH_ENABLED, "
        "BLASTWALL_ESCALATION_ENABLED, BLASTWALL_REGULATORY_REMINDERS_ENABLED and "
        "BLASTWALL_UPDATE_REMINDERS_ENABLED are all false)."
    ]
