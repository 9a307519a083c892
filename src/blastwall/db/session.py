"""Units of work: the caller (route, CLI command, worker) owns commit and rollback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from blastwall.db import engine as engines

# Session.info key of the audit HMAC key: it travels with the unit of work, so every domain
# that appends to the audit log keys its entries without being handed the settings.
AUDIT_KEY = "blastwall.audit_key"


def make_session_factory(
    engine: Engine, *, read_only: bool = False, audit_key: bytes | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``read_only`` ones never take SQLite's write lock.

    ``audit_key`` (``Settings.audit_key()``) makes audit entries HMACs under that key.
    """
    bind = engines.read_only(engine) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, info={AUDIT_KEY: audit_key})


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back everything when it raises."""
    with factory() as session, session.begin():
        yield session


_AFTER_COMMIT = "blastwall.after_commit"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction commits (never if it rolls back).

    Services use this to announce changes (e.g. a new lever revision to SDK streams)
    without committing themselves.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # SQLAlchemy fires after_commit when a savepoint (begin_nested) is released too; the
    # outer transaction has not committed then, so a callback run now would announce a
    # change no other connection can see yet. Wait for the outermost commit.
    if session.in_nested_transaction():
        return
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
