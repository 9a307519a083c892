"""The web console: server-rendered pages (Jinja2 + htmx, shipped in the package) at ``/``.

Routes are thin (``pages``, ``actions``, ``queue_actions``, ``auth``, ``live``); what each
page shows is one function in ``views/`` (the incident page's sections in ``sections/``);
charts are inline SVG drawn by ``charts``. Every change goes through the same services as the API.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from blastwall.console import actions, auth, live, pages, queue_actions

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Serve the console at ``/`` and its static files (htmx, CSS) at ``/static``."""
    for module in (auth, pages, actions, queue_actions, live):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="console-static")
