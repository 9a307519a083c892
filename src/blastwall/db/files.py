"""Keep the local store private: the data folder 0700, the database and its companions 0600.

The SQLite file holds token hashes, the audit log and trace text with user data, so no
other account on the machine may read it. SQLite creates its WAL and shared-memory files
with the database file's own mode, so making the database 0600 first covers them too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Files SQLite (and Blastwall's ingest lock) keep beside the database.
COMPANIONS = ("-wal", "-shm", "-journal", "-ingest.lock")

log = logging.getLogger(__name__)


def private_dir(path: Path) -> None:
    """Create ``path`` 0700 when missing; warn (never chmod) when an existing one is open.

    An existing folder may be shared (``/tmp``, a home directory), so it is not Blastwall's
    to change; the files in it are tightened by ``private_database`` instead.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        # mkdir's mode passes through the umask; set it exactly.
        path.chmod(PRIVATE_DIR)
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 and not mode & stat.S_ISVTX:
        log.warning(
            "the folder %s that holds the Blastwall database is open to other users (mode "
            "%04o); if only Blastwall uses it, run: chmod 700 %s",
            path,
            mode,
            path,
        )


def private_database(database: Path) -> None:
    """Create the SQLite file 0600 when missing, and tighten it and its companions if wider.

    An empty file is a valid SQLite database, so creating it here (with O_EXCL, mode 0600)
    decides its mode before SQLite opens it, whatever the process's umask.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for path in [database, *(database.with_name(database.name + s) for s in COMPANIONS)]:
        tighten(path)


def tighten(path: Path) -> None:
    """Make an existing file 0600 if group or others can use it; say so when it cannot be."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not mode & 0o077:
        return
    try:
        path.chmod(PRIVATE_FILE)
    except PermissionError:
        log.warning(
            "%s is readable by other users (mode %04o) and not yours to change; ask its "
            "owner to run: chmod 600 %s",
            path,
            mode,
            path,
        )
        return
    log.warning("tightened %s from mode %04o to 0600: it holds tokens and user data", path, mode)
