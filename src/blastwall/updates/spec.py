"""The ``communications`` section of ``blastwall.yaml``: update cadence and the notice rule.

```yaml
communications:
  cadence: {1: 30m, 2: 60m, 3: 4h}   # an update at least this often, per severity
  escalate_after: 15m                # overdue this long: remind the commander too
  notice:                            # when affected users must be told (M2)
    severities: [1]
    min_users: 1
```
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, field_validator

_DURATION = re.compile(r"^(\d{1,6})\s*([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_CADENCE_S = 60
MAX_CADENCE_S = 7 * 86400

DEFAULT_CADENCE_S = {1: 30 * 60, 2: 60 * 60, 3: 4 * 3600}
"""Severity 1 every 30 minutes, 2 every hour, 3 every 4 hours (the example in SPEC M1)."""
DEFAULT_ESCALATE_AFTER_S = 15 * 60
DEFAULT_NOTICE_SEVERITIES = (1,)
DEFAULT_NOTICE_MIN_USERS = 1


def seconds(value: Any) -> Any:
    """``90``, ``"90s"``, ``"30m"``, ``"4h"`` or ``"1d"`` as seconds; anything else refused."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration: write 30m, 1h, 4h or seconds (1800)")
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match is None:
            raise ValueError(
                f"{value!r} is not a duration: write 30m, 1h, 4h, 1d or seconds (1800)"
            )
        return int(match.group(1)) * _UNIT[match.group(2)]
    return value


Seconds = Annotated[StrictInt, BeforeValidator(seconds), Field(ge=MIN_CADENCE_S, le=MAX_CADENCE_S)]


Severity = Literal["1", "2", "3"]


def _default_cadence() -> dict[Severity, int]:
    return {"1": DEFAULT_CADENCE_S[1], "2": DEFAULT_CADENCE_S[2], "3": DEFAULT_CADENCE_S[3]}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoticeRule(_Strict):
    """Users must be told when the incident's severity is listed and it reached this many."""

    severities: list[Annotated[StrictInt, Field(ge=1, le=3)]] = Field(
        default_factory=lambda: list(DEFAULT_NOTICE_SEVERITIES),
        description="Severities whose incidents need a notice (default: [1]).",
    )
    min_users: StrictInt = Field(
        DEFAULT_NOTICE_MIN_USERS,
        ge=1,
        description="How many affected users (blast radius) make a notice due (default 1).",
    )


class CommunicationsSpec(_Strict):
    """How often updates are due per severity, when to involve the commander, the notice rule."""

    cadence: dict[Severity, Seconds] = Field(
        default_factory=_default_cadence,
        description="Severity -> longest time between updates (30m, 1h, 4h); unlisted: default.",
    )
    escalate_after: Seconds = Field(
        DEFAULT_ESCALATE_AFTER_S,
        description="How long an update may stay overdue before the commander is reminded.",
    )
    notice: NoticeRule = Field(default_factory=NoticeRule)

    @field_validator("cadence", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        """YAML may write ``1: 30m`` or ``"1": 30m``; the key is the severity either way (kept as
        text so an error names the key's own line)."""
        if isinstance(value, dict):
            return {str(k) if isinstance(k, int) else k: v for k, v in value.items()}
        return value

    def body(self) -> dict[str, Any]:
        """What the store keeps: every severity's cadence filled in, in seconds."""
        cadence = {**DEFAULT_CADENCE_S, **{int(k): v for k, v in self.cadence.items()}}
        return {
            "cadence": {str(k): cadence[k] for k in sorted(cadence)},
            "escalate_after": self.escalate_after,
            "notice": {
                "severities": sorted(set(self.notice.severities)),
                "min_users": self.notice.min_users,
            },
        }


DEFAULT_BODY = CommunicationsSpec().body()
