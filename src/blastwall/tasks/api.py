"""``GET /tasks``: which background tasks run on the replica that answers, and its role."""

from __future__ import annotations

import os
import socket

from fastapi import APIRouter, Request

from blastwall.server.deps import Admin
from blastwall.server.responses import AUTHENTICATED, problems
from blastwall.tasks.runner import Runner
from blastwall.tasks.schemas import TaskRead, TasksRead

router = APIRouter(tags=["tasks"], responses=AUTHENTICATED)


@router.get("/tasks", response_model=TasksRead, responses=problems(403))
def list_tasks(request: Request, _: Admin) -> TasksRead:
    """Admins only: the last error of a round may name internal hosts or tables."""
    runner: Runner | None = getattr(request.app.state, "runner", None)
    statuses = runner.status() if runner is not None else []
    kind = runner.leadership.kind if runner is not None else "not started"
    return TasksRead(
        replica=f"{socket.gethostname()}:{os.getpid()}",
        leadership=kind,
        tasks=[TaskRead.model_validate(s, from_attributes=True) for s in statuses],
    )
