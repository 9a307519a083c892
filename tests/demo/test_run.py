"""`make run` set-up: the admin token survives restarts, the example's release goes live."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from blastwall.config import Settings
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_file
from blastwall.db.session import unit_of_work
from blastwall.demo.run import DEMO_ACTOR, activate_first_release, ensure_token
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
        history = releases.list_deployments(session, "support-agent")
    assert live == {"staging": "initial", "prod": "initial"}
    assert len(history) == 2
