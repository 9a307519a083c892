"""The background tasks the server runs (started and stopped by the app's lifespan).

Adding a task is one line in ``tasks`` below: an object with ``name``, ``interval_s`` and
``tick()`` (``blastwall.tasks.Task``). The runner runs each in its own thread and, on
PostgreSQL, on exactly one replica at a time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries.policy import TargetPolicy
from blastwall.canaries.scheduler import SchedulerTask
from blastwall.config import Settings
from blastwall.detect.engine import EngineTask
from blastwall.drills.task import DrillTimeoutTask
from blastwall.evidence.retention import Policy, RetentionTask
from blastwall.notify.dispatcher import Dispatcher
from blastwall.paging.task import EscalationTask
from blastwall.regulatory.reminders import ReminderTask
from blastwall.review.sampling import SamplingTask
from blastwall.tasks import Task
from blastwall.updates.task import UpdateReminderTask


def tasks(settings: Settings, factory: sessionmaker[Session]) -> list[Task]:
    """Every background task enabled by ``settings``, in start order."""
    found: list[Task] = []
    if settings.engine_enabled:
        found.append(EngineTask(factory, settings.engine_interval_s))
        # Review sampling needs no sub-second latency: at most once a second.
        found.append(SamplingTask(factory, max(settings.engine_interval_s, 1.0)))
    if settings.canary_scheduler_enabled:
        found.append(SchedulerTask(factory, policy=TargetPolicy.of(settings)))
    if settings.notify_dispatch_enabled:
        found.append(Dispatcher.of(factory, settings))
    if settings.escalation_enabled:
        found.append(EscalationTask(factory, interval_s=settings.escalation_interval_s))
    if settings.regulatory_reminders_enabled:
        interval = settings.regulatory_reminder_interval_s
        thresholds = settings.regulatory_reminder_thresholds
        found.append(ReminderTask(factory, interval_s=interval, thresholds=thresholds))
    if settings.drill_timeouts_enabled:
        # A drill's fault must never outlive its timeout, even when its CLI is gone.
        found.append(DrillTimeoutTask(factory))
    if settings.retention_enabled:
        policy = Policy.of(settings)
        found.append(RetentionTask(factory, policy, interval_s=settings.retention_interval_s))
    if settings.update_reminders_enabled:
        found.append(UpdateReminderTask(factory, interval_s=settings.update_reminders_interval_s))
    return found
