"""What every filter shares: matches, hits, and running a set of filters over one text."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from blastwall.sdk.enums import FilterAction, Stage

DEFAULT_MAX_CHARS = 1_000_000
"""Texts longer than this are not scanned past it: blocking filters refuse them, redacting
filters cut them at the limit, so nothing unscanned ever passes (see docs/sdk.md)."""

OVERSIZE = "oversize"
RETRY_BUDGET = 512
TRIGGER_LIMIT = 4096


class Match(NamedTuple):
    category: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FilterHit:
    """One filter matching in one stage of a call: recorded on the trace, counted as a signal."""

    filter: str
    stage: Stage
    category: str
    action: FilterAction
    count: int


@dataclass(slots=True)
class FilterResult:
    text: str
    hits: list[FilterHit]
    blocked: FilterHit | None = None


Check = Callable[[str, "re.Match[str]"], "tuple[int, int] | Match | None"]
"""``check(text, match)`` returns the span to report (it may widen or trim the match), a
``Match`` when it also decides the category (one pass over numbers classifies cards, phones
and ids), or None to reject it: how filters test context that a look-behind would make slow."""

CompiledRule = tuple[str, "re.Pattern[str]", Check | None, tuple[str, ...], bool]
"""A Rule ready to run: category, compiled regex, check, triggers, retry_inside."""


@dataclass(frozen=True)
class Rule:
    """One way a category matches: a regex, an optional check, optional trigger words.

    With ``triggers`` (lower-case literals) the regex is only tried where one of them
    occurs, found by ``str.find`` on the lower-cased text: far faster than letting the
    regex engine try every position of prose for a case-insensitive keyword.
    """

    category: str
    pattern: str
    check: Check | None = None
    triggers: tuple[str, ...] = ()
    retry_inside: bool = True
    """After a rejected match, search again one character on (a real match may start
    inside it). False when the check already tried what starts inside (it is cheaper)."""


class Filter:
    """A named text filter: rules (category, regex, optional check) run over the text.

    Each rule's regex runs on its own so that the regex engine can skip ahead to its
    literal or character-class prefix; keep patterns led by one, with bounded repeats,
    because they see hostile input. Matches are returned left to right, without overlaps.
    """

    name: str = "filter"
    action: FilterAction = FilterAction.redact
    stages: tuple[Stage, ...] = (Stage.input, Stage.output)

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        name: str | None = None,
        action: FilterAction | str | None = None,
        flags: int = 0,
    ) -> None:
        if name is not None:
            self.name = name
        if action is not None:
            self.action = FilterAction(action)
        self._rules: list[CompiledRule] = [
            (
                rule.category,
                re.compile(rule.pattern, flags),
                rule.check,
                rule.triggers,
                rule.retry_inside,
            )
            for rule in rules
        ]

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(rule[0] for rule in self._rules))

    def scan(self, text: str) -> list[Match]:
        """Every match in ``text``, left to right; where two overlap the earlier one wins."""
        return self._scan_rules(text, self._rules)

    def _scan_rules(
        self, text: str, rules: Sequence[CompiledRule], lowered: str | None = None
    ) -> list[Match]:
        """``scan`` with some of the rules: a subclass may skip those that cannot match."""
        found: list[Match] = []
        for category, regex, check, triggers, retry_inside in rules:
            if triggers:
                if lowered is None:
                    lowered = text.lower()
                    if len(lowered) != len(text):  # rare Unicode case change: no shortcut
                        lowered = ""
                if lowered and _scan_triggers(
                    found, category, regex, check, triggers, text, lowered
                ):
                    continue
            _scan_all(found, category, regex, check, text, retry_inside=retry_inside)
        if len(found) < 2:
            return found
        found.sort(key=lambda f: (f.start, -f.end))
        kept = [found[0]]
        for match in found[1:]:
            if match.start >= kept[-1].end:
                kept.append(match)
        return kept

    def placeholder(self, category: str) -> str:
        return f"[{category.upper()}]"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, action={self.action.value!r})"


def _scan_all(
    found: list[Match],
    category: str,
    regex: re.Pattern[str],
    check: Check | None,
    text: str,
    *,
    retry_inside: bool = True,
) -> None:
    if not retry_inside:  # no retries: the engine's own iteration is cheaper than search()
        for each in regex.finditer(text):
            span = each.span() if check is None else check(text, each)
            if span is not None:
                found.append(span if isinstance(span, Match) else Match(category, *span))
        return
    search = regex.search
    pos = 0
    # A rejected match may hide a real one starting inside it, so retry one character on;
    # the budget keeps hostile input (a megabyte of near-misses) linear.
    retries = RETRY_BUDGET
    while (m := search(text, pos)) is not None:
        span = m.span() if check is None else check(text, m)
        if span is None:
            if retries > 0:
                retries -= 1
                pos = m.start() + 1
            else:
                pos = max(m.end(), m.start() + 1)
            continue
        found.append(span if isinstance(span, Match) else Match(category, span[0], span[1]))
        pos = max(m.end(), m.start() + 1)


def _scan_triggers(  # noqa: PLR0917 - internal helper of Filter.scan
    found: list[Match],
    category: str,
    regex: re.Pattern[str],
    check: Check | None,
    triggers: tuple[str, ...],
    text: str,
    lowered: str,
) -> bool:
    """Try the regex where a trigger occurs; False if there are too many (scan it all)."""
    starts: set[int] = set()
    for trigger in triggers:
        at = lowered.find(trigger)
        while at != -1:
            if len(starts) >= TRIGGER_LIMIT:
                return False
            starts.add(at)
            at = lowered.find(trigger, at + 1)
    covered = 0
    for start in sorted(starts):
        if start < covered:
            continue
        m = regex.match(text, start)
        if m is None:
            continue
        span = m.span() if check is None else check(text, m)
        if span is not None:
            if not isinstance(span, Match):
                span = Match(category, span[0], span[1])
            found.append(span)
            covered = span[1]
    return True


def word_bounded(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """Reject a match glued to a letter, digit or '_' on either side."""
    start, end = m.span()
    if start > 0 and _is_word(text[start - 1]):
        return None
    if end < len(text) and _is_word(text[end]):
        return None
    return start, end


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def to_text(value: object) -> str:
    """Any input as text to scan: bytes decode as UTF-8 with replacement, never raising."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception:
        return object.__repr__(value)


def run_filters(
    filters: Sequence[Filter], value: object, stage: Stage, *, max_chars: int = DEFAULT_MAX_CHARS
) -> FilterResult:
    """Apply ``filters`` in order: the first blocking match refuses the text, else redact."""
    text = to_text(value)
    hits: list[FilterHit] = []
    if len(text) > max_chars:
        blocker = next((f for f in filters if f.action is FilterAction.block), None)
        if blocker is not None:
            hit = FilterHit(blocker.name, stage, OVERSIZE, FilterAction.block, 1)
            return FilterResult(text, [hit], blocked=hit)
        cut = len(text) - max_chars
        text = f"{text[:max_chars]}[TRUNCATED {cut} CHARS]"
        hits.append(FilterHit("size", stage, OVERSIZE, FilterAction.redact, 1))
    spans: list[tuple[int, int, str]] = []
    for flt in filters:
        matches = flt.scan(text)
        if not matches:
            continue
        counts: dict[str, int] = {}
        for match in matches:
            counts[match.category] = counts.get(match.category, 0) + 1
        found = [FilterHit(flt.name, stage, c, flt.action, n) for c, n in counts.items()]
        hits.extend(found)
        if flt.action is FilterAction.block:
            return FilterResult(text, hits, blocked=found[0])
        spans.extend((m.start, m.end, flt.placeholder(m.category)) for m in matches)
    if spans:
        text = _redact(text, spans)
    return FilterResult(text, hits)


def _redact(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace spans with placeholders; overlapping spans merge under the first one's label."""
    spans.sort(key=lambda s: (s[0], -s[1]))
    parts = []
    at = 0
    for start, end, placeholder in spans:
        if start < at:
            at = max(at, end)
            continue
        parts.append(text[at:start])
        parts.append(placeholder)
        at = end
    parts.append(text[at:])
    return "".join(parts)
