"""`make run` set-up: the admin token survives restarts, the example's release goes live."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from blastwall.config import Settings
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_file
from blastwall.db.session import unit_of_work
from blastwall.demo.run import DEMO_ACTOR, activate_first_release, cli_command, ensure_token
from blastwall.registry import releases

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blastwall.yaml"


def test_admin_token_is_created_once_and_kept_private(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    first = ensure_token(settings, session_factory)
    path = settings.data_dir / "admin-token"
    assert path.read_text() == first + "\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_token(settings, session_factory) == first


def test_token_file_of_another_database_is_replaced(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "admin-token").write_text("bw_from_another_database\n")
    token = ensure_token(settings, session_factory)
    assert token != "bw_from_another_database"
    assert (settings.data_dir / "admin-token").read_text() == token + "\n"


def test_example_release_goes_live_in_every_environment(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        apply(session, load_file(EXAMPLE), actor=DEMO_ACTOR)
    with unit_of_work(session_factory) as session:
        activate_first_release(session)
        activate_first_release(session)  # idempotent: a second start activates nothing more
    with unit_of_work(session_factory) as session:
        live = {
            env: releases.get_active(session, "support-agent", env).release.name
            for env in ("staging", "prod")
        }
        history = releases.list_deployments(session, "support-agent").items
    assert live == {"staging": "initial", "prod": "initial"}
    assert len(history) == 2


def _venv(root: Path) -> Path:
    bin_dir = root / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "blastwall"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def test_demo_names_the_running_venvs_blastwall_when_it_is_not_on_path(tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path)
    command = cli_command(str(bin_dir / "python"), path=str(tmp_path / "elsewhere"))
    assert command == str(bin_dir / "blastwall")


def test_demo_says_blastwall_when_path_finds_the_same_script(tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path)
    assert cli_command(str(bin_dir / "python"), path=str(bin_dir)) == "blastwall"


def test_demo_says_blastwall_when_the_venv_has_no_script(tmp_path: Path) -> None:
    assert cli_command(str(tmp_path / "python"), path="") == "blastwall"
