"""The Blastwall SDK: ``Guard`` goes around every AI call; containment happens here.

Imports only the standard library, httpx and pydantic (OpenTelemetry when installed):
never FastAPI or SQLAlchemy, so ``pip install blastwall`` alone is enough.
"""

from blastwall.sdk.call import Call
from blastwall.sdk.context import HEADER, current_trace_id, new_trace_id
from blastwall.sdk.enums import (
    Decision,
    FilterAction,
    GateStatus,
    Outcome,
    Rating,
    Stage,
    StalePolicy,
)
from blastwall.sdk.errors import ActionRefused, GuardConfigError, Refused, SDKError, ToolRefused
from blastwall.sdk.fallbacks import Fallbacks
from blastwall.sdk.filters import (
    PII,
    Blocklist,
    Filter,
    FilterHit,
    PromptInjection,
    RegexFilter,
    Secrets,
    run_filters,
)
from blastwall.sdk.gate import Approval, Approver, Declaration
from blastwall.sdk.guard import Guard
from blastwall.sdk.levers.state import Levers
from blastwall.sdk.pipeline import Step
from blastwall.sdk.propagation import TraceIdMiddleware, async_httpx_hook, httpx_hook, inject
from blastwall.sdk.records import Document, GateRecord

__all__ = [
    "HEADER",
    "PII",
    "ActionRefused",
    "Approval",
    "Approver",
    "Blocklist",
    "Call",
    "Decision",
    "Declaration",
    "Document",
    "Fallbacks",
    "Filter",
    "FilterAction",
    "FilterHit",
    "GateRecord",
    "GateStatus",
    "Guard",
    "GuardConfigError",
    "Levers",
    "Outcome",
    "PromptInjection",
    "Rating",
    "Refused",
    "RegexFilter",
    "SDKError",
    "Secrets",
    "Stage",
    "StalePolicy",
    "Step",
    "ToolRefused",
    "TraceIdMiddleware",
    "async_httpx_hook",
    "current_trace_id",
    "httpx_hook",
    "inject",
    "new_trace_id",
    "run_filters",
]
