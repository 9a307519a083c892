"""The background task that ends drills past their timeout, removing their fault."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.session import unit_of_work
from blastwall.drills import service

log = logging.getLogger(__name__)


class DrillTimeoutTask:
    """Every ``interval_s``, ends each running drill whose deadline has passed."""

    name = "drill-timeouts"

    def __init__(self, factory: sessionmaker[Session], interval_s: float = 1.0) -> None:
        self.factory = factory
        self.interval_s = interval_s

    def tick(self) -> None:
        with unit_of_work(self.factory) as session:
            ended = service.expire(session)
        for run_id in ended:
            log.info("drill %s timed out; its fault was removed", run_id)
