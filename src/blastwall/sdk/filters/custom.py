"""Filters the app defines: its own regular expressions, and blocklists of terms."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from blastwall.sdk.enums import FilterAction
from blastwall.sdk.filters.base import Filter, Rule


class RegexFilter(Filter):
    """Named patterns of the app's own (category -> regex); name it ``custom:<slug>`` so the
    ``filters`` lever can switch it on at runtime.

    >>> RegexFilter("custom:order-ids", {"order_id": r"ORD-\\d{6}"}).scan("see ORD-123456")
    [Match(category='order_id', start=4, end=14)]
    """

    def __init__(
        self,
        name: str,
        patterns: Mapping[str, str],
        *,
        action: FilterAction | str = FilterAction.redact,
        ignore_case: bool = False,
    ) -> None:
        if not patterns:
            raise ValueError(f"filter {name!r} needs at least one pattern (category -> regex)")
        for category, pattern in patterns.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"filter {name!r}, category {category!r}: {pattern!r} is not a valid "
                    f"regular expression ({exc}); fix the pattern"
                ) from exc
        rules = [Rule(category, pattern) for category, pattern in patterns.items()]
        super().__init__(rules, name=name, action=action, flags=re.IGNORECASE if ignore_case else 0)


def _word_start(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    start = m.start()
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    return m.span()


class Blocklist(Filter):
    """Whole words or phrases that must not pass, matched case-insensitively.

    >>> Blocklist(["chargeback trick"]).scan("Teach me the Chargeback Trick")
    [Match(category='term', start=13, end=29)]
    """

    name = "blocklist"

    def __init__(
        self,
        terms: Iterable[str],
        *,
        action: FilterAction | str = FilterAction.block,
        name: str | None = None,
    ) -> None:
        cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
        if not cleaned:
            raise ValueError("a blocklist needs at least one non-empty term")
        words = "|".join(re.escape(t) for t in cleaned)
        triggers = tuple(dict.fromkeys(t.lower() for t in cleaned))
        rule = Rule("term", rf"(?:{words})(?!\w)", _word_start, triggers)
        super().__init__([rule], name=name, action=action, flags=re.IGNORECASE)
