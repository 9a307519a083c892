"""The runbook's JSON shape (``GET /api/v1/systems/{name}/runbook``, ``blastwall runbook
SYSTEM --json``); documented field by field in docs/runbook.md."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LeverStep(BaseModel):
    """One way to contain the system, and the exact command that does it."""

    lever: str = Field(description="kill, human_fallback, safe_mode, disable_tool, retrieval.")
    does: str = Field(description="What pulling it does, in a responder's words.")
    command: str = Field(description="The command line; replace WHY with what you saw.")
    tool: str | None = Field(None, description="disable_tool: the declared action it stops.")
    reversible: bool | None = Field(None, description="disable_tool: can the action be undone.")
    sources: list[str] | None = Field(
        None, description="retrieval: the declared sources; drop the suspect ones."
    )


class RollbackStep(BaseModel):
    """Rolling one environment back to the known-good release."""

    environment: str
    active: str | None = Field(description="The release in force there now.")
    known_good: str | None = Field(description="The newest known-good release.")
    command: str | None = Field(description="The command line; null without a known-good.")
    note: str = Field("", description="Why there is no command, or that it is already there.")


class PersonRef(BaseModel):
    name: str
    display_name: str
    handle: str


class OnCallLevel(BaseModel):
    level: int
    delay_minutes: int
    people: list[PersonRef]


class OnCall(BaseModel):
    """Who is paged for a severity-1 incident on the system, now."""

    policy: str | None = Field(description="The covering escalation policy; null when none.")
    levels: list[OnCallLevel]


class TriageHint(BaseModel):
    first_question: str = Field(description="The tree's first question.")
    command: str = Field(description="How to answer it on an incident.")


class PolicyStep(BaseModel):
    """An auto-containment policy in force on the system: it acts alone, as ``policy:NAME``."""

    name: str
    mode: str = Field(description="enforce (acts) or observe (only says what it would do).")
    when: str = Field(description="The trigger in words, e.g. 'alarm refusal-rate'.")
    does: str = Field(description="The actions in words, e.g. 'kill support-agent (prod)'.")
    cooldown: int = Field(description="Seconds of quiet after an activation.")
    max_per_hour: int = Field(description="Activations per hour, at most.")
    activations_last_hour: int
    last_fired: datetime | None


class RunbookRead(BaseModel):
    """Everything a responder who has never seen the system needs to contain it."""

    system: str
    description: str
    owner: str = Field(description="The registry's owner of the system (person or team).")
    risk_tier: str
    fallback: str = Field(description="What users get when the system is killed.")
    environment: str = Field(description="Where the lever commands act (prod if it runs there).")
    environments: list[str]
    levers: list[LeverStep]
    restore: str = Field(description="Puts every lever back to normal.")
    rollback: list[RollbackStep]
    on_call: OnCall
    policies: list[PolicyStep] = Field(
        description="Auto-containment policies on the system, enforce first, then by name."
    )
    policies_command: str = Field(description="Shows every policy with its recent activity.")
    triage: TriageHint | None = Field(description="The system's triage tree, when it has one.")
