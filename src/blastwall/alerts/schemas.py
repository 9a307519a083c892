"""API shapes: Alertmanager's webhook payload (version 4), the generic alert, the answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from blastwall.incidents.enums import Harm, IncidentClass
from blastwall.inputs import NON_BLANK, Input, trim, trim_non_blank

ALERTMANAGER_VERSION = "4"
Status = Literal["firing", "resolved"]
Fingerprint = Annotated[
    str,
    Field(min_length=1, max_length=200, json_schema_extra=NON_BLANK),
    AfterValidator(trim_non_blank),
]
Labels = dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=1000)]]


def _version(value: str) -> str:
    if value != ALERTMANAGER_VERSION:
        raise PydanticCustomError(
            "alertmanager_version",
            'Blastwall reads Alertmanager webhook payload version "4" (every Alertmanager '
            'since 0.16 sends it); got "{got}": upgrade Alertmanager, or send the alert to '
            "POST /api/v1/alerts in the generic format (docs/alerts.md)",
            {"got": value},
        )
    return value


class _Alertmanager(Input):
    # Alertmanager's own format: fields it may add in later releases are ignored, not refused.
    model_config = ConfigDict(extra="ignore", populate_by_name=False)


class AlertmanagerAlert(_Alertmanager):
    """One alert of the payload."""

    status: Status
    labels: Labels
    annotations: Labels
    starts_at: AwareDatetime = Field(alias="startsAt")
    ends_at: AwareDatetime = Field(alias="endsAt")
    generator_url: str = Field(alias="generatorURL", max_length=2000)
    fingerprint: Fingerprint


class AlertmanagerPayload(_Alertmanager):
    """Alertmanager's webhook payload, version 4, field for field."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": "4",
                    "groupKey": '{}:{alertname="HighErrorRate"}',
                    "truncatedAlerts": 0,
                    "status": "firing",
                    "receiver": "blastwall",
                    "groupLabels": {"alertname": "HighErrorRate"},
                    "commonLabels": {"alertname": "HighErrorRate", "service": "support-agent"},
                    "commonAnnotations": {"summary": "5xx above 5% for 10 minutes"},
                    "externalURL": "http://alertmanager:9093",
                    "alerts": [
                        {
                            "status": "firing",
                            "labels": {"alertname": "HighErrorRate", "instance": "a"},
                            "annotations": {},
                            "startsAt": "2026-05-01T09:30:00Z",
                            "endsAt": "0001-01-01T00:00:00Z",
                            "generatorURL": "http://prometheus:9090/graph",
                            "fingerprint": "4c2bd8a1c0e0f7a1",
                        }
                    ],
                }
            ]
        }
    )

    version: Annotated[str, AfterValidator(_version)] = Field(
        description='Must be "4".', json_schema_extra={"enum": [ALERTMANAGER_VERSION]}
    )
    group_key: str = Field(alias="groupKey", max_length=2000)
    truncated_alerts: int = Field(alias="truncatedAlerts", ge=0)
    status: Status
    receiver: str = Field(max_length=200)
    group_labels: Labels = Field(alias="groupLabels")
    common_labels: Labels = Field(alias="commonLabels")
    common_annotations: Labels = Field(alias="commonAnnotations")
    external_url: str = Field(alias="externalURL", max_length=2000)
    alerts: list[AlertmanagerAlert] = Field(min_length=1, max_length=1000)


class Link(Input):
    href: str = Field(min_length=1, max_length=2000, description="Where to look.")
    text: str = Field("", max_length=200)


class GenericAlert(Input):
    """An alert from any tool, for when it cannot speak Alertmanager's format."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "grafana",
                    "fingerprint": "refund-latency-p99",
                    "status": "firing",
                    "system": "support-agent",
                    "severity": 2,
                    "classes": ["integrity"],
                    "title": "refund latency p99 above 5 s",
                    "description": "p99 7.2 s for 15 minutes",
                    "labels": {"team": "payments"},
                    "started_at": "2026-05-01T09:30:00Z",
                    "links": [{"href": "https://grafana.example.com/d/abc", "text": "dashboard"}],
                }
            ]
        }
    )

    source: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$", description="The sending tool, e.g. grafana."
    )
    fingerprint: Fingerprint = Field(description="The dedup key: the same alert, the same key.")
    status: Status = Field("firing", description="firing or resolved.")
    system: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$",
        description="The registered system; leave out to let alert_rules map the labels.",
    )
    severity: Annotated[int, Field(ge=1, le=3)] | None = Field(None, description="1-3.")
    harm: Harm | None = Field(None, description="Instead of severity: none ... severe.")
    classes: list[IncidentClass] = Field(default_factory=list)
    title: Annotated[
        str,
        Field(min_length=1, max_length=300, json_schema_extra=NON_BLANK),
        AfterValidator(trim_non_blank),
    ] = Field(description="One line a responder recognises.")
    description: Annotated[str, Field(max_length=20_000), AfterValidator(trim)] = ""
    labels: Labels = Field(default_factory=dict)
    started_at: AwareDatetime | None = Field(None, description="When it began; default now.")
    links: list[Link] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_level(self) -> GenericAlert:
        if self.harm is not None and self.severity is not None:
            raise PydanticCustomError(
                "harm_and_severity", "give harm or severity, not both: severity picks a harm"
            )
        return self


class Outcome(StrEnum):
    """What one alert did."""

    opened = "opened"  # opened a new incident
    joined = "joined"  # joined the system's open incident
    repeat = "repeat"  # the same fingerprint already joined the still-open incident
    resolved = "resolved"  # recorded as resolved on its incident (which may stay open)
    closed = "closed"  # recorded as resolved and resolved the incident per its rule
    no_incident = "no_incident"  # resolved, but no open incident had it: nothing to do


class AlertResult(BaseModel):
    fingerprint: str
    status: Status
    system: str
    incident_id: int | None
    outcome: Outcome
    detail: str = Field(description="Why, in words (e.g. what still fires).")


class AlertsAccepted(BaseModel):
    alerts: list[AlertResult]
