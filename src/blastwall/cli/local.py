"""Commands that work on the database directly (serve, token create), without a server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from blastwall.cli.errors import CliError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from blastwall.access.schemas import Actor
    from blastwall.config import Settings


def settings(**overrides: Any) -> Settings:
    """Settings from BLASTWALL_* with the given command-line values on top."""
    # Imported here: the server extras are optional for a CLI that only talks to the API.
    from pydantic import ValidationError  # noqa: PLC0415

    from blastwall.config import Settings  # noqa: PLC0415

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors(include_url=False)
        )
        raise CliError(f"invalid settings: {problems}") from None


@contextmanager
def migrated_engine(config: Settings) -> Iterator[Engine]:
    """An engine on the configured database, migrated to the current schema."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from blastwall.db.engine import make_engine  # noqa: PLC0415
    from blastwall.db.migrate import upgrade  # noqa: PLC0415

    url = config.resolved_database_url()
    shown = make_url(url).render_as_string(hide_password=True)
    engine = make_engine(url)
    try:
        try:
            upgrade(engine)
        except SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise CliError(
                f"cannot open the database {shown}: {cause}; check --db or BLASTWALL_DATABASE_URL"
            ) from None
        yield engine
    finally:
        engine.dispose()


def local_actor() -> Actor:
    """Who the audit log names for a change made on the database directly: ``local:<user>``.

    Whoever can open the database file or URL can do anything an admin can, so the role
    recorded is admin; the name says the change did not come through a token.
    """
    import getpass  # noqa: PLC0415
    import os  # noqa: PLC0415

    from blastwall.access.enums import Role  # noqa: PLC0415
    from blastwall.access.schemas import Actor  # noqa: PLC0415

    try:
        user = getpass.getuser()
    except OSError:  # no login name in the environment nor in the password database
        user = f"uid-{os.getuid()}"
    return Actor(name=f"local:{user}"[:100], role=Role.admin)
