"""How deeply a JSON document nests, measured without parsing it.

Parsers recurse per level: Python's ``json`` raises ``RecursionError`` near 1,000 levels and
pydantic's stops at 200 with its own error, so a hostile body turned into a 500 or an
unclear 400 depending on the route. Every JSON body is measured here first with C-level
byte operations (no Python step per byte of text) and refused past :data:`MAX_JSON_DEPTH`
with a message that says so.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a request body may have."""

_KEEP = b'"[]{}'
_DROP = bytes(sorted(set(range(256)) - set(_KEEP)))
# Openers become +1 and closers -1 as signed bytes, so one pair of either kind peels.
_SIGNS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")
_PAIR = b"\x01\xff"


def nesting_depth(body: bytes) -> int:
    """The deepest level of arrays and objects in ``body``; brackets in strings do not count.

    Exact for valid JSON. For broken JSON it may count high (never low), which only refuses
    a body no parser would accept anyway.

    >>> nesting_depth(b'{"a": [1, {"b": "[[[[\\\\"]]"}]}')
    3
    >>> nesting_depth(b'[[[')
    3
    """
    # Escapes occur only inside strings. Dropping escaped backslashes, then escaped quotes,
    # leaves quotes that each open or close a string, paired left to right as a parser does.
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    # Between the 1st and 2nd quote is a string, between the 2nd and 3rd is not, and so on:
    # keep the pieces outside strings (a split, not a regex: far fewer steps per string).
    outside = b"".join(text.translate(None, _DROP).split(b'"')[::2])
    skeleton = outside.translate(_SIGNS)
    # Peeling innermost pairs lowers the depth by one per pass. While a pass halves the
    # skeleton it is the cheaper step; after that one counting pass over what is left is.
    levels = 0
    while skeleton:
        shorter = skeleton.replace(_PAIR, b"")
        if len(shorter) * 2 > len(skeleton):
            break
        skeleton, levels = shorter, levels + 1
    if not skeleton:
        return levels
    return levels + max(0, *accumulate(array("b", skeleton)))


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``body`` is refused for its nesting, or None when it is within ``limit``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return None  # fewer brackets than levels: the common case costs two counts
    depth = nesting_depth(body)
    if depth <= limit:
        return None
    return (
        f"the JSON body nests {depth} levels deep, over the limit of {limit}; "
        "flatten the data (for example, send nested structures as a JSON string)"
    )
