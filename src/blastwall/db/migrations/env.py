"""Alembic environment: the engine comes from the caller (``blastwall.db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from blastwall.db import all_models  # noqa: F401  (registers every table)
from blastwall.db.base import Base

engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copy; batch mode does that for us.
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
