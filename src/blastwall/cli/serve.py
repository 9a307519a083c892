"""`blastwall serve`: run the API server (uvicorn) on the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from blastwall.cli import local

app = typer.Typer()


@app.command(rich_help_panel="Server")
def serve(
    *,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL; overrides BLASTWALL_DATABASE_URL (default: local SQLite)."
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to bind (default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default 7300).")
    ] = None,
) -> None:
    """Run the Blastwall API server, migrating the database first."""
    import uvicorn  # noqa: PLC0415  (server extras; see local.py)

    from blastwall.server.app import create_app  # noqa: PLC0415

    config = local.settings(database_url=db, host=host, port=port)
    with local.migrated_engine(config) as engine:
        uvicorn.run(create_app(config, engine), host=config.host, port=config.port)
