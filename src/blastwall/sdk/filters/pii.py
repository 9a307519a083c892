"""PII filter: e-mail, phone, payment card (Luhn), IBAN (mod-97), national ids, IP addresses."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import partial

from blastwall.sdk.enums import FilterAction
from blastwall.sdk.filters.base import Check, Filter, Rule
from blastwall.sdk.filters.checksums import dni_letter, iban_ok, luhn_ok
from blastwall.sdk.filters.pii_numbers import (
    DOTTED_QUAD,
    NUMBER,
    classify_dotted_quad,
    classify_number,
)

__all__ = ["PII", "iban_ok", "luhn_ok"]

# Every pattern starts with a literal or a character class so the regex engine skips
# ahead quickly; "not preceded by" tests sit after the first character as look-behinds
# (a leading look-behind would defeat that skip). Repeats are bounded: input is hostile.
# Cards, phones, numeric ids and IPv4 addresses share one pass (see pii_numbers).
PATTERNS: dict[str, tuple[str, ...]] = {
    # From the '@' rightwards; the local part is found by walking back (see _email).
    "email": (
        r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,32}[A-Za-z]{2,24}(?![\w-])",
    ),
    "iban": (
        r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
        r"(?![A-Za-z0-9])",
    ),
    "national_id": (
        # UK National Insurance number, or (led by X, Y or Z, seven digits, a check letter)
        # a Spanish foreigner id (NIE): one pass over the capitals for both.
        r"[A-CEGHJ-PR-TW-Z](?<![A-Za-z0-9][A-Z])(?:[A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]"
        r"|(?<=[XYZ])\d{7}[A-Z])(?![A-Za-z0-9])",
    ),
    "ip": (
        # IPv6: from a ':' (found fast), widened to the whole address by _ip.
        r":(?<!::)[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{0,36}(?![\w:])",
    ),
}
CATEGORIES = ("email", "phone", "card", "iban", "national_id", "ip")

# RFC 5322 "atext" and the dot: what an address's local part may hold.
_LOCAL = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-"
)
_HEX = frozenset("0123456789abcdefABCDEF:")


def _email(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    at, end = m.span()
    start = at
    while start > 0 and at - start < 64 and text[start - 1] in _LOCAL:
        start -= 1
    equals = text.rfind("=", start, at)  # "contact=jane@example.com": a key, not the address
    if equals > start and equals + 1 < at and text[equals - 1].isalnum():
        start = equals + 1
    while start < at - 1 and text[start] in "'`{|}~":  # quotes and braces around it, not in it
        start += 1
    if start == at or text[start] == ".":
        return None
    # "git@github.com:org/repo.git" and "ssh://git@host/..." are SSH logins, not mailboxes.
    if end + 1 < len(text) and text[end] == ":" and text[end + 1] not in " \t\n":
        return None
    if text.find("://", max(0, start - 3), at) != -1:
        return None
    return start, end


def _iban(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    return m.span() if iban_ok(m.group()) else None


def _national_id(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    value = m.group()
    if value[0] in "XYZ" and value[1].isdigit():
        number = str("XYZ".index(value[0])) + value[1:8]
        return m.span() if dni_letter(number) == value[8] else None
    if value[:2] in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        return None
    return m.span()


def _ip(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    start, end = m.span()
    while start > 0 and end - start < 39 and text[start - 1] in _HEX:
        start -= 1
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    candidate = text[start:end]
    if candidate.count(":") < 7 and "::" not in candidate:  # "12:30:45" is a time
        return None
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return None
    return start, end


CHECKS: dict[str, Check] = {
    "email": _email,
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
        chosen = list(CATEGORIES) if categories is None else list(categories)
        unknown = sorted(set(chosen) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown PII categories {unknown}: choose from {sorted(CATEGORIES)}")
        self._chosen = [c for c in CATEGORIES if c in chosen]
        rules = [
            Rule(category, pattern, CHECKS.get(category))
            for category, patterns in PATTERNS.items()
            if category in chosen
            for pattern in patterns
        ]
        numeric = frozenset(chosen) & {"phone", "card", "national_id", "ip"}
        if numeric:
            classify = partial(classify_number, chosen=numeric)
            rules.append(Rule("number", NUMBER, classify, (), retry_inside=False))
            quad = partial(classify_dotted_quad, chosen=numeric)
            rules.append(Rule("ip", DOTTED_QUAD, quad, (), retry_inside=False))
        # ASCII classes: every format here is ASCII, and the engine tests \d and \w a quarter
        # faster (checks that need Unicode, like a letter glued on, run in Python).
        super().__init__(rules, name=name, action=action, flags=re.ASCII)

    @property
    def categories(self) -> list[str]:
        return list(self._chosen)
