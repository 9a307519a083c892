"""PII filter: e-mail, phone, payment card (Luhn), IBAN (mod-97), national ids, IP addresses."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from blastwall.sdk.enums import FilterAction
from blastwall.sdk.filters.base import Check, Filter, Rule

# Every pattern starts with a literal or a character class so the regex engine skips
# ahead quickly; "not preceded by" tests sit after the first character as look-behinds
# (a leading look-behind would defeat that skip). Repeats are bounded: input is hostile.
PATTERNS: dict[str, tuple[str, ...]] = {
    # From the '@' rightwards; the local part is found by walking back (see _email).
    "email": (
        r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,32}[A-Za-z]{2,24}(?![\w-])",
    ),
    "iban": (
        r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
        r"(?![A-Za-z0-9])",
    ),
    "card": (r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])",),
    "national_id": (
        r"\d(?<![\d-]\d)\d\d-\d\d-\d{4}(?![\d-])",  # US Social Security number
        # UK National Insurance number
        r"[A-CEGHJ-PR-TW-Z](?<![A-Za-z0-9][A-Z])[A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]"
        r"(?![A-Za-z0-9])",
    ),
    "ip": (
        r"\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)",
        # IPv6: from a ':' (found fast), widened to the whole address by _ip.
        r":(?<!::)[0-9A-Fa-f:]{1,38}(?![\w:])",
    ),
    "phone": (
        r"\+(?<![\w+]\+)\d{1,3}[ .-]?(?:\(\d{1,4}\)|\d{1,4})(?:[ .-]?\d{2,4}){2,4}(?!\d)",
        r"\((?<![\w(]\()\d{3}\)[ .-]?\d{3}[ .-]\d{4}(?!\d)",
        r"\d(?<![\w(+.-]\d)\d\d[ .-]\d{3}[ .-]\d{4}(?!\d)",
    ),
}

# RFC 5322 "atext" and the dot: what an address's local part may hold.
_LOCAL = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-"
)
_HEX = frozenset("0123456789abcdefABCDEF:")


def luhn_ok(candidate: str) -> bool:
    """Payment card check digit (ISO/IEC 7812): rejects most digit runs that are not cards."""
    digits = [int(c) for c in candidate if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if index % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """IBAN mod-97 check (ISO 13616): move the first four characters to the end, mod 97 == 1."""
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def _email(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    at = m.start()
    start = at
    while start > 0 and at - start < 64 and text[start - 1] in _LOCAL:
        start -= 1
    if start == at or text[start] == ".":
        return None
    return start, m.end()


def _card(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    return m.span() if luhn_ok(m.group()) else None


def _iban(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    return m.span() if iban_ok(m.group()) else None


def _national_id(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    value = m.group()
    if value[0].isdigit():
        area, group, serial = value.split("-")
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            return None
    elif value[:2] in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        return None
    return m.span()


def _ip(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    start, end = m.span()
    if text[start] != ":":
        return m.span() if all(int(octet) <= 255 for octet in m.group().split(".")) else None
    while start > 0 and end - start < 39 and text[start - 1] in _HEX:
        start -= 1
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    candidate = text[start:end]
    if candidate.count(":") < 2:
        return None
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return None
    return start, end


CHECKS: dict[str, Check] = {
    "email": _email,
    "card": _card,
    "iban": _iban,
    "national_id": _national_id,
    "ip": _ip,
}


class PII(Filter):
    """Personal data in free text; ``categories`` narrows it (e.g. only ``{"email", "card"}``).

    >>> PII().scan("mail bob@example.com or call +44 20 7946 0958")
    [Match(category='email', start=5, end=20), Match(category='phone', start=29, end=45)]
    """

    name = "pii"

    def __init__(
        self,
        *,
        action: FilterAction | str = FilterAction.redact,
        categories: Iterable[str] | None = None,
        name: str | None = None,
    ) -> None:
        chosen = list(PATTERNS) if categories is None else list(categories)
        unknown = sorted(set(chosen) - set(PATTERNS))
        if unknown:
            raise ValueError(f"unknown PII categories {unknown}: choose from {sorted(PATTERNS)}")
        rules = [
            Rule(category, pattern, CHECKS.get(category))
            for category, patterns in PATTERNS.items()
            if category in chosen
            for pattern in patterns
        ]
        super().__init__(rules, name=name, action=action)
