"""The local store is private: data folder 0700, the SQLite file and its companions 0600."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from blastwall.db.engine import make_engine
from blastwall.traces.writer import _FileLock


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files were created 0644 before this fix."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def write_something(path: Path) -> None:
    """Open, write and keep the connection, so the WAL and shared-memory files exist."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:  # held open: the last close would checkpoint the WAL away
        assert conn.execute(text("SELECT x FROM t")).scalar_one() == 1
        companions = {
            suffix: mode(path.with_name(path.name + suffix)) for suffix in ("-wal", "-shm")
        }
        assert companions == {"-wal": 0o600, "-shm": 0o600}
    engine.dispose()


def test_new_data_folder_and_database_files_are_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "blastwall.db"
    write_something(database)
    assert (mode(database.parent), mode(database)) == (0o700, 0o600)


def test_ingest_lock_file_is_private(tmp_path: Path) -> None:
    database = tmp_path / "blastwall.db"
    lock = _FileLock.beside(str(database))
    assert lock is not None
    assert mode(tmp_path / "blastwall.db-ingest.lock") == 0o600


def test_existing_wide_files_are_tightened_and_said_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "blastwall.db"
    write_something(database)
    wal = database.with_name("blastwall.db-wal")
    wal.write_bytes(b"")
    for path in (database, wal):
        path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="blastwall.db.files"):
        make_engine(f"sqlite:///{database}").dispose()
    assert (mode(database), mode(wal)) == (0o600, 0o600)
    assert [r.getMessage() for r in caplog.records] == [
        f"tightened {database} from mode 0644 to 0600: it holds tokens and user data",
        f"tightened {wal} from mode 0644 to 0600: it holds tokens and user data",
    ]


def test_an_existing_open_folder_is_named_not_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="blastwall.db.files"):
        make_engine(f"sqlite:///{folder}/blastwall.db").dispose()
    assert (mode(folder), mode(folder / "blastwall.db")) == (0o755, 0o600)
    assert [r.getMessage() for r in caplog.records] == [
        f"the folder {folder} that holds the Blastwall database is open to other users (mode "
        f"0755); if only Blastwall uses it, run: chmod 700 {folder}"
    ]
