"""Readiness shapes: one check per thing a system needs before its next incident, and a score.

``GET /api/v1/systems/{name}/readiness``, ``GET /api/v1/readiness`` and ``blastwall
readiness [SYSTEM] --json`` answer them; documented field by field in docs/readiness.md.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Check(BaseModel):
    """One readiness item: whether it holds, what was found, and what fixes it."""

    name: str = Field(description="Stable slug, e.g. kill_exercised.")
    title: str = Field(description="What is checked, in a responder's words.")
    ok: bool
    detail: str = Field(description="What the data shows, e.g. 'last pulled 2026-03-01 by cora'.")
    fix: str | None = Field(
        description="The exact command or blastwall.yaml snippet that fixes it; null when ok."
    )


class Readiness(BaseModel):
    """A system's readiness: every check, and the share that pass."""

    system: str
    environment: str = Field(description="The environment traces and levers are read in.")
    at: datetime = Field(description="The instant the checks were computed for.")
    checks: list[Check]
    passed: int
    total: int
    score: float = Field(description="passed / total, 0..1, rounded to 3 places.")

    def __str__(self) -> str:
        """One line for a page cell, e.g. '8/10 ready; missing: canary_gate, monitors'."""
        missing = [c.name for c in self.checks if not c.ok]
        return f"{self.passed}/{self.total} ready" + (
            f"; missing: {', '.join(missing)}" if missing else ""
        )

    @classmethod
    def of(cls, system: str, environment: str, at: datetime, checks: list[Check]) -> Readiness:
        passed = sum(1 for c in checks if c.ok)
        total = len(checks)
        score = round(passed / total, 3) if total else 0.0
        return cls(
            system=system,
            environment=environment,
            at=at,
            checks=checks,
            passed=passed,
            total=total,
            score=score,
        )


class ReadinessList(BaseModel):
    """Every system's readiness, by name."""

    items: list[Readiness]
    next_cursor: str | None = Field(None, description="Always null: every system is listed.")
