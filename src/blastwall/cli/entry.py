"""The ``blastwall`` command's entry point, importable with the SDK alone.

``pip install blastwall`` installs the SDK and this command; the command line itself needs
the ``cli`` extra and the server the ``server`` extra. Without them the command says which
extra to install and exits with 1, instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import sys

# Top-level modules of each extra, and the install line that brings them.
EXTRAS: dict[str, str] = {
    **dict.fromkeys(("typer", "rich", "click", "yaml"), "cli"),
    **dict.fromkeys(
        (
            "fastapi",
            "starlette",
            "uvicorn",
            "sqlalchemy",
            "alembic",
            "pydantic_settings",
            "numpy",
        ),
        "server",
    ),
    "psycopg": "postgres",
}


def main() -> None:
    """Run the CLI; on a missing optional dependency, name the extra that brings it."""
    try:
        from blastwall.cli.main import main as run  # noqa: PLC0415 - the check is the point

        run()
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise  # not an optional dependency: a real bug, keep its traceback
        sys.stderr.write(missing_message(exc.name or "", extra))
        raise SystemExit(1) from None


def missing_message(module: str, extra: str) -> str:
    """What to tell a user whose install lacks ``module`` (brought by ``extra``)."""
    why = {
        "cli": "The blastwall command line needs",
        "server": "This command runs or reaches the server's store and needs",
        "postgres": "A PostgreSQL database needs",
    }[extra]
    return (
        f"blastwall: {why} the '{module}' package, which this install does not have "
        "(`pip install blastwall` is the SDK alone).\n"
        f"Install it with: pip install 'blastwall[{extra}]'"
        + ("  (or 'blastwall[server]' to run the server too)" if extra == "cli" else "")
        + "\n"
    )
