"""Blocklist terms and regex patterns carried by the filters lever (C5), checked server-side.

An emergency filter must work without an app deploy, so the lever itself carries what to
block; every SDK following the lever stream compiles it. A pattern runs in every guarded
process on hostile text, so the server accepts only a safe subset of Python regular
expressions, checked cheaply on the parsed pattern (no timeout needed):

- it compiles, is at most ``PATTERN_MAX`` characters, and repeats at most ``REPEAT_MAX`` times;
- no repeat inside another repeat (``(a+)+``, ``(\\w*\\s?)*``): nested quantifiers are the
  classic catastrophic-backtracking shape;
- no backreference (``\\1``), conditional or lookaround: each makes matching costlier than
  linear and none is needed to block a phrase.

A repeated alternation whose branches overlap (``(a|a)+``) is not detected; the SDK also
caps the text a filter sees (``filter_max_chars``).
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Literal

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as _c
    import sre_parse as _parse

TERMS_MAX = 200
PATTERNS_MAX = 50
TERM_MAX = 200
PATTERN_MAX = 500
REPEAT_MAX = 1000
FilterStage = Literal["input", "output", "both"]

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT}
_REFUSED = {
    _c.GROUPREF: "a backreference",
    _c.GROUPREF_EXISTS: "a conditional group",
    _c.ASSERT: "a lookahead or lookbehind",
    _c.ASSERT_NOT: "a negative lookahead or lookbehind",
}


def pattern_problem(pattern: str) -> str | None:
    """Say what is wrong with ``pattern`` as a lever pattern, or None if it is accepted.

        >>> pattern_problem(r"ORD-\\d{6}") is None
        True
        >>> pattern_problem("(ab+)+")[:30]
    "'(ab+)+' repeats a repeat (a n"
    """
    if not pattern.strip():
        return "is empty: give a regular expression, e.g. 'ORD-\\d{6}'"
    if len(pattern) > PATTERN_MAX:
        return f"is longer than {PATTERN_MAX} characters: split it or block terms instead"
    try:
        re.compile(pattern)
        parsed = _parse.parse(pattern)
    except re.error as exc:
        return f"{pattern!r} is not a valid regular expression ({exc}); fix the pattern"
    problem = _walk(parsed, inside_repeat=False)
    if problem is None:
        return None
    return f"{pattern!r} {problem}"


def _walk(items: Any, *, inside_repeat: bool) -> str | None:
    for op, arg in items:
        if op in _REFUSED:
            return f"uses {_REFUSED[op]}, which the lever's safe subset refuses: " + _HINT
        if op in _REPEATS:
            low, high, sub = arg
            bounded = high if high != _c.MAXREPEAT else low
            if bounded > REPEAT_MAX:
                return f"repeats more than {REPEAT_MAX} times: use a smaller bound"
            if high > 1 and inside_repeat:
                return "repeats a repeat (a nested quantifier can take exponential time): " + _HINT
            problem = _walk(sub, inside_repeat=inside_repeat or high > 1)
        elif op is _c.SUBPATTERN:
            problem = _walk(arg[-1], inside_repeat=inside_repeat)
        elif op is _c.ATOMIC_GROUP:
            problem = _walk(arg, inside_repeat=inside_repeat)
        elif op is _c.BRANCH:
            problem = next(
                (p for b in arg[1] if (p := _walk(b, inside_repeat=inside_repeat))), None
            )
        else:
            problem = None
        if problem is not None:
            return problem
    return None


_HINT = "write a flat pattern such as 'ORD-\\d{6}' or 'refund\\s+code'"
