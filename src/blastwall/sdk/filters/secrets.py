"""Secrets filter: cloud and API key formats, tokens, private keys, credentials in assignments."""

from __future__ import annotations

import re
from collections.abc import Iterable

from blastwall.sdk.enums import FilterAction
from blastwall.sdk.filters.base import Check, Filter, Rule

# Formats published by each provider. Each pattern starts with its literal prefix so the
# regex engine jumps between candidates; "not glued to a word" sits after the first
# character as a look-behind for the same reason.
PATTERNS: dict[str, str] = {
    "private_key": (
        r"-----BEGIN (?:[A-Z0-9]{1,12} ){0,2}PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]{0,16384}?-----END (?:[A-Z0-9]{1,12} ){0,2}PRIVATE KEY(?: BLOCK)?-----)?"
    ),
    "aws_access_key": r"A(?<![A-Z0-9]A)(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}(?![A-Z0-9])",
    "aws_secret_key": (
        r"(?i:aws)[^\n]{0,20}?(?i:secret|private)[^\n]{0,20}?[=:][ \t]{0,4}[\"']?"
        r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    ),
    "github_token": (
        r"g(?<![\w-]g)(?:h[pousr]_[A-Za-z0-9]{36,251}|ithub_pat_[A-Za-z0-9_]{22,255})"
    ),
    "gitlab_token": r"g(?<![\w-]g)lpat-[A-Za-z0-9_-]{20,64}",
    "slack_token": r"x(?<![\w-]x)ox[abprse]-[A-Za-z0-9-]{10,250}",
    # Stripe keys start with rk_/sk_/pk_; _stripe widens the match to that letter.
    "stripe_key": r"k_(?:live|test)_[A-Za-z0-9]{16,247}",
    "openai_key": r"s(?<![\w-]s)k-(?:proj-|ant-[a-z0-9]{2,8}-)?[A-Za-z0-9_-]{20,200}",
    "google_api_key": r"A(?<![\w-]A)Iza[0-9A-Za-z_-]{35}(?![\w-])",
    "jwt": r"e(?<![\w-]e)yJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,1024}",
    # From the '=' or ':' of an assignment; _credential checks the name before it.
    "credential": r"[=:][ \t]{0,4}[\"']?[^\s\"',;]{8,256}",
}

CREDENTIAL_NAMES = re.compile(
    r"(?:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|"
    r"password|passwd)[\"']?[ \t]{0,4}$",
    re.IGNORECASE,
)


def _stripe(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    start = m.start() - 1
    if start < 0 or text[start] not in "rsp":
        return None
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    return start, m.end()


def _credential(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    before = text[max(0, m.start() - 24) : m.start()]
    name = CREDENTIAL_NAMES.search(before)
    if name is None:
        return None
    start = m.start() - (len(before) - name.start())
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    return start, m.end()


CHECKS: dict[str, Check] = {"stripe_key": _stripe, "credential": _credential}
# A case-insensitive prefix is found faster by str.find on lower-cased text.
TRIGGERS: dict[str, tuple[str, ...]] = {"aws_secret_key": ("aws",)}


class Secrets(Filter):
    """Credentials that must never reach a model, a log or a user.

    >>> [m.category for m in Secrets().scan("key AKIAIOSFODNN7EXAMPLE and password=hunter2hunter2")]
    ['aws_access_key', 'credential']
    """

    name = "secrets"

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
            raise ValueError(f"unknown secret categories {unknown}: choose from {sorted(PATTERNS)}")
        rules = [
            Rule(c, p, CHECKS.get(c), TRIGGERS.get(c, ()))
            for c, p in PATTERNS.items()
            if c in chosen
        ]
        super().__init__(rules, name=name, action=action)
