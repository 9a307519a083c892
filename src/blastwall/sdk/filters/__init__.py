"""Input and output filters (C5, D7): one module per filter family, one runner for all."""

from blastwall.sdk.filters.base import (
    DEFAULT_MAX_CHARS,
    Filter,
    FilterHit,
    FilterResult,
    Match,
    run_filters,
    to_text,
)
from blastwall.sdk.filters.custom import Blocklist, RegexFilter
from blastwall.sdk.filters.exfiltration import ExfiltrationLinks
from blastwall.sdk.filters.injection import PromptInjection
from blastwall.sdk.filters.pii import PII
from blastwall.sdk.filters.secrets import Secrets


def builtin_filters() -> dict[str, Filter]:
    """The filters the ``filters`` lever can switch on without any app configuration."""
    return {"pii": PII(), "secrets": Secrets(), "prompt_injection": PromptInjection()}


__all__ = [
    "DEFAULT_MAX_CHARS",
    "PII",
    "Blocklist",
    "ExfiltrationLinks",
    "Filter",
    "FilterHit",
    "FilterResult",
    "Match",
    "PromptInjection",
    "RegexFilter",
    "Secrets",
    "builtin_filters",
    "run_filters",
    "to_text",
]
