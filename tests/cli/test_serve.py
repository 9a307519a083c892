"""`serve` builds the app on the configured database and hands it to uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from tests.cli.conftest import invoke


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `serve` passed to uvicorn.run (which is replaced so nothing listens)."""
    calls: dict[str, Any] = {}

    def run(app: FastAPI, **kwargs: Any) -> None:
        calls.update(app=app, **kwargs)

    monkeypatch.setattr(uvicorn, "run", run)
    return calls


def test_serve_uses_db_host_and_port_options(served: dict[str, Any], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/serve.db"
    result = invoke("serve", "--db", url, "--port", "7400", "--host", "0.0.0.0")  # noqa: S104
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("0.0.0.0", 7400)  # noqa: S104
    settings = served["app"].state.settings
    assert settings.resolved_database_url() == url
    assert (tmp_path / "serve.db").exists()


def test_serve_defaults_come_from_the_environment(served: dict[str, Any], tmp_path: Path) -> None:
    env = {"BLASTWALL_DATA_DIR": str(tmp_path), "BLASTWALL_PORT": "7301"}
    result = invoke("serve", env=env)
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 7301)
    assert (tmp_path / "blastwall.db").exists()


def test_serve_refuses_a_bad_port_and_database(served: dict[str, Any]) -> None:
    port = invoke("serve", "--port", "70000")
    assert (port.exit_code, port.stderr) == (
        2,
        "Error: Invalid value for '--port': Input should be less than or equal to 65535 "
        "(see `blastwall serve --help`)\n",
    )
    database = invoke("serve", "--db", "oracle://db")
    assert (database.exit_code, database.stderr) == (
        1,
        "Error: invalid settings: database_url: BLASTWALL_DATABASE_URL must start with "
        "sqlite:/// or postgresql+psycopg:// (got 'oracle')\n",
    )
    assert served == {}
