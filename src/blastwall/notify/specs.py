"""The ``channels:`` and ``routes:`` sections of ``blastwall.yaml``: every key typed and checked.

A channel names the ENVIRONMENT VARIABLES that hold its secrets (``routing_key_env:
PAGERDUTY_ROUTING_KEY``), never the secrets: the file can be committed, and the database
stores only the names. Non-secret settings (an SMTP host) are written inline.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from blastwall.incidents.matrix import SEVERITIES
from blastwall.notify.enums import ChannelType, Event
from blastwall.registry.names import NAME_MAX, slug_problem

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")


def _env_name(value: str) -> str:
    if _ENV_NAME.fullmatch(value) is None:
        raise ValueError(
            f"{value!r} is not an environment variable name: write the variable's NAME "
            "(letters, digits and _, e.g. SLACK_WEBHOOK_URL), never the secret itself"
        )
    return value


def _slug(value: str) -> str:
    problem = slug_problem(value, NAME_MAX)
    if problem:
        raise ValueError(problem)
    return value


def _severity(value: int) -> int:
    if value not in SEVERITIES:
        raise ValueError(f"{value} is not a severity: use {', '.join(map(str, SEVERITIES))}")
    return value


def _address(value: str) -> str:
    if _ADDRESS.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not an e-mail address: write name@example.com")
    return value


EnvName = Annotated[StrictStr, AfterValidator(_env_name)]
Name = Annotated[StrictStr, AfterValidator(_slug)]
Severity = Annotated[StrictInt, AfterValidator(_severity)]
Address = Annotated[StrictStr, AfterValidator(_address)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="Slug naming the channel; routes refer to it.")

    def stored(self) -> dict[str, Any]:
        """What the database keeps: everything but the name and type (no secret is here)."""
        return self.model_dump(mode="json", exclude={"name", "type"})

    def secret_envs(self) -> dict[str, str | None]:
        """Setting name -> environment variable holding that secret (None: not configured)."""
        return {key: value for key, value in self.stored().items() if key.endswith("_env")}


class PagerDutySpec(_Spec):
    """PagerDuty Events API v2 (the events URL is BLASTWALL_PAGERDUTY_EVENTS_URL)."""

    type: Literal[ChannelType.pagerduty]
    routing_key_env: EnvName = Field(description="Variable holding the integration key.")


class SlackSpec(_Spec):
    """A Slack incoming webhook."""

    type: Literal[ChannelType.slack]
    webhook_url_env: EnvName = Field(description="Variable holding the webhook URL.")


class WebhookSpec(_Spec):
    """A generic webhook: CloudEvents 1.0 JSON signed with HMAC-SHA256."""

    type: Literal[ChannelType.webhook]
    url_env: EnvName = Field(description="Variable holding the receiver's URL.")
    secret_env: EnvName = Field(description="Variable holding the HMAC signing secret.")


class EmailSpec(_Spec):
    """E-mail over SMTP; the password, if any, comes from the environment."""

    type: Literal[ChannelType.email]
    smtp_host: StrictStr = Field(min_length=1, max_length=253, description="SMTP server host.")
    smtp_port: StrictInt = Field(587, ge=1, le=65535, description="SMTP server port.")
    starttls: StrictBool = Field(True, description="Upgrade the connection with STARTTLS.")
    username: StrictStr | None = Field(None, max_length=200, description="SMTP login, if any.")
    password_env: EnvName | None = Field(None, description="Variable holding the password.")
    sender: Address = Field(description="The From address.")
    to: list[Address] = Field(min_length=1, max_length=100, description="Recipients.")


ChannelSpec = Annotated[
    PagerDutySpec | SlackSpec | WebhookSpec | EmailSpec, Field(discriminator="type")
]
SPEC_BY_TYPE: dict[str, type[_Spec]] = {
    ChannelType.pagerduty: PagerDutySpec,
    ChannelType.slack: SlackSpec,
    ChannelType.webhook: WebhookSpec,
    ChannelType.email: EmailSpec,
}


class RouteSpec(BaseModel):
    """Which changes go to which channels; a filter left out matches everything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="Slug naming the route.")
    events: list[Event] = Field(
        min_length=1,
        description="Events that take this route: incident.opened, incident.severity_changed, "
        "incident.status_changed, incident.acknowledged, incident.resolved, "
        "incident.update_posted, lever.*, release.rollback.",
    )
    systems: list[Name] = Field(default_factory=list, description="Only these systems.")
    severity: list[Severity] = Field(
        default_factory=list, description="Only incidents of these severities, e.g. [1, 2]."
    )
    channels: list[Name] = Field(min_length=1, description="Channel names to notify.")

    def stored(self) -> dict[str, Any]:
        """The route as the database keeps it (``notify_routes`` columns)."""
        return {
            "events": [event.value for event in self.events],
            "systems": list(self.systems),
            "severities": list(self.severity),
            "channels": list(self.channels),
        }


def spec_of(name: str, type_: str, settings: dict[str, Any]) -> _Spec:
    """A stored channel back as its spec (the database holds what a spec validated)."""
    return SPEC_BY_TYPE[type_].model_validate({"name": name, "type": type_, **settings})
