"""Response metrics per system and period (MTTD, MTTA, time to contain, MTTR).

From the incidents' recorded milestones (``incidents.metrics.of`` per incident), with one
difference: MTTR here runs from the start, as the issue defines it (the time users were
exposed), where ``incidents.metrics`` counts from detection. Drills are left out unless
asked for. Each figure counts only the incidents that reached both its milestones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from statistics import mean, median

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from blastwall.exceptions import InvalidInput
from blastwall.incidents import metrics as per_incident
from blastwall.incidents.models import Incident
from blastwall.postmortems.schemas import Figure, MetricsRead, SystemMetrics
from blastwall.registry import service as registry

NO_SYSTEM = "(no system)"


def _figure(values: Sequence[float | None]) -> Figure:
    known = [v for v in values if v is not None]
    if not known:
        return Figure(count=0, median_s=None, mean_s=None)
    return Figure(count=len(known), median_s=median(known), mean_s=mean(known))


def _summarize(name: str, incidents: Sequence[Incident]) -> SystemMetrics:
    each = [per_incident.of(i) for i in incidents]
    resolve = [
        None if i.resolved_at is None else (i.resolved_at - i.started_at).total_seconds()
        for i in incidents
    ]
    return SystemMetrics(
        system=name,
        incidents=len(incidents),
        mttd=_figure([m.time_to_detect_s for m in each]),
        mtta=_figure([m.time_to_acknowledge_s for m in each]),
        time_to_contain=_figure([m.time_to_contain_s for m in each]),
        mttr=_figure(resolve),
    )


def compute(
    session: Session,
    *,
    system: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_drills: bool = False,
) -> MetricsRead:
    """Metrics of the incidents that started in [since, until), per system and overall."""
    if since is not None and until is not None and since >= until:
        raise InvalidInput(
            f"since ({since.isoformat()}) must be before until ({until.isoformat()})",
            field="since",
        )
    query = select(Incident).options(selectinload(Incident.system)).order_by(Incident.id)
    if system is not None:
        query = query.where(Incident.system_id == registry.get_by_name(session, system).id)
    if since is not None:
        query = query.where(Incident.started_at >= since)
    if until is not None:
        query = query.where(Incident.started_at < until)
    if not include_drills:
        query = query.where(Incident.drill.is_(False))
    incidents = list(session.scalars(query))
    by_system: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_system[incident.system.name if incident.system else NO_SYSTEM].append(incident)
    return MetricsRead(
        since=since,
        until=until,
        include_drills=include_drills,
        systems=[_summarize(name, found) for name, found in sorted(by_system.items())],
        all=_summarize("all", incidents),
    )
