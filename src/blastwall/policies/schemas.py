"""API shapes of policies: a policy as stored, with its recent activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from blastwall.policies.service import PolicyView


class PolicyRead(BaseModel):
    """One policy: what triggers it, what it does, and how often it fired lately."""

    name: str
    system: str
    mode: str = Field(description="observe or enforce.")
    when: dict[str, Any]
    do: list[dict[str, Any]]
    cooldown: int = Field(description="Seconds of quiet after an activation.")
    max_per_hour: int
    when_text: str = Field(description="The trigger in words, e.g. 'alarm refusal-rate'.")
    do_text: str = Field(description="The actions in words, e.g. 'kill support-agent (prod)'.")
    activations_last_hour: int
    last_fired: datetime | None

    @classmethod
    def of(cls, view: PolicyView) -> PolicyRead:
        return cls.model_validate(view.as_dict())
