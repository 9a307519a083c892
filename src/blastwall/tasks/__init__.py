"""Background tasks: one runner starts, paces and stops them; leadership picks one replica.

A task (``Task``) is one bounded round of work, ``tick()``, repeated every ``interval_s``.
``Runner`` gives each task a daemon thread; ``Leadership`` decides whether this process may
tick a task right now (always on SQLite; on PostgreSQL the holder of an advisory lock).
"""

from blastwall.tasks.leadership import (
    AdvisoryLocks,
    Leadership,
    SingleProcess,
    for_engine,
    lock_key,
)
from blastwall.tasks.runner import Runner, TaskStatus
from blastwall.tasks.task import Task

__all__ = [
    "AdvisoryLocks",
    "Leadership",
    "Runner",
    "SingleProcess",
    "Task",
    "TaskStatus",
    "for_engine",
    "lock_key",
]
