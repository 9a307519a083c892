"""API shapes of the background tasks' status (kept apart from the runner's dataclasses)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from blastwall.tasks.runner import Role


class TaskRead(BaseModel):
    """One background task as this replica sees it."""

    name: str = Field(description="The task's unique name (its leadership lock derives from it).")
    interval_s: float = Field(description="Seconds between rounds.")
    role: Role = Field(
        description="leader: this replica runs it; standby: another replica does (or held "
        "it until moments ago); starting; stopped (the server is shutting down)."
    )
    ticks: int = Field(description="Rounds completed here since the server started.")
    failures: int = Field(description="Rounds that failed here since the server started.")
    last_tick_at: datetime | None = Field(description="When the last round here completed.")
    last_error: str | None = Field(description="The last failed round's error, logged in full.")
    last_error_at: datetime | None = Field(description="When that round failed.")


class TasksRead(BaseModel):
    """The background tasks of the replica that answered, and how leadership is decided."""

    replica: str = Field(description="The replica that answered: host name and process id.")
    leadership: str = Field(
        description="How a task's leader is chosen: one process on SQLite, a PostgreSQL "
        "advisory lock per task on PostgreSQL."
    )
    tasks: list[TaskRead]
