"""Response times (I1) from an incident's milestones, per incident and averaged.

Time to detect runs from the start of the failure to its detection; every other duration
runs from detection, because that is when responders could first act.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from blastwall.incidents.models import Incident


@dataclass(frozen=True)
class Metrics:
    """Seconds from start to detection and from detection to each later milestone."""

    time_to_detect_s: float | None
    time_to_acknowledge_s: float | None
    time_to_contain_s: float | None
    time_to_resolve_s: float | None


@dataclass(frozen=True)
class Summary:
    """Means over incidents that reached each milestone (MTTD, MTTA, MTTC, MTTR)."""

    incidents: int
    mttd_s: float | None
    mtta_s: float | None
    mean_time_to_contain_s: float | None
    mttr_s: float | None


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def of(incident: Incident) -> Metrics:
    return Metrics(
        time_to_detect_s=_seconds(incident.started_at, incident.detected_at),
        time_to_acknowledge_s=_seconds(incident.detected_at, incident.acknowledged_at),
        time_to_contain_s=_seconds(incident.detected_at, incident.contained_at),
        time_to_resolve_s=_seconds(incident.detected_at, incident.resolved_at),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def summarize(incidents: Iterable[Incident]) -> Summary:
    """Average each duration over the incidents that have it.

    >>> summarize([]).mttr_s is None
    True
    """
    each = [of(incident) for incident in incidents]
    return Summary(
        incidents=len(each),
        mttd_s=_mean(m.time_to_detect_s for m in each),
        mtta_s=_mean(m.time_to_acknowledge_s for m in each),
        mean_time_to_contain_s=_mean(m.time_to_contain_s for m in each),
        mttr_s=_mean(m.time_to_resolve_s for m in each),
    )
