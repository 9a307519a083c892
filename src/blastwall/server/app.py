"""The FastAPI application: thin routes over the domain services, under /api/v1."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from blastwall import __version__, console, tasks
from blastwall.changes import audit
from blastwall.config import Settings, get_settings
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory
from blastwall.levers.api import broadcaster_of
from blastwall.paging.api import router as ack_links_router
from blastwall.server import background, edge, errors, openapi, routers
from blastwall.server.params import check_params
from blastwall.server.shutdown import on_stop_signal

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app on ``engine`` (or the settings' database), migrating it to head first."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.resolved_database_url())
    upgrade(engine)
    factory = make_session_factory(engine, audit_key=settings.audit_key())
    read_factory = make_session_factory(engine, read_only=True, audit_key=settings.audit_key())
    with read_factory() as session:
        problem = audit.key_problem(session, settings.audit_key())
    if problem is not None:
        # A warning, not a refusal: containment must keep working on the worst day.
        log.warning(
            "%s: set BLASTWALL_AUDIT_HMAC_KEY to the key the log was written with, or "
            "`blastwall audit verify` will report the entries written from now on",
            problem,
        )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Background tasks run in threads for as long as the app serves; on PostgreSQL each
        # runs on one replica at a time (blastwall.tasks).
        runner = tasks.Runner(
            background.tasks(settings, factory),
            tasks.for_engine(engine),
            retry_s=settings.task_leader_retry_s,
        )
        app.state.runner = runner
        runner.start()
        close_streams = broadcaster_of(app.state).close

        def stop_now() -> None:
            # On SIGTERM or Ctrl-C, end the lever streams at once (uvicorn waits for open
            # responses before it shuts down, and a stream never finishes by itself) and
            # let no background task start another round. Runs in a signal handler: both
            # only set flags or hand work to the event loop.
            close_streams()
            runner.request_stop()

        try:
            with on_stop_signal(stop_now):
                yield
        finally:
            runner.stop(settings.task_stop_timeout_s)

    app = FastAPI(
        lifespan=lifespan,
        title="Blastwall",
        version=__version__,
        description="Incident command for production AI: detect, contain, roll back, command.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        dependencies=[Depends(check_params)],
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.read_session_factory = read_factory
    errors.install(app)
    edge.install(app)
    openapi.install(app)
    for router in routers.ALL:
        app.include_router(router, prefix="/api/v1")
    # Signed acknowledge links carry their own credential, so they live outside /api/v1.
    app.include_router(ack_links_router)
    # The web console: HTML pages at / with cookie sessions (blastwall.console).
    console.install(app)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    return app
