"""The nesting measure agrees with the parsed structure, strings and escapes included."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from blastwall.server.json_depth import MAX_JSON_DEPTH, nesting_depth, too_deep


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _tree(rng: random.Random, height: int) -> Any:
    if height == 0:
        # Leaves that look like structure: brackets, quotes and backslashes inside strings.
        return rng.choice(['a[{"\\', 1, "x\\\\", "]}", '\\"[', "\\", None])
    if rng.random() < 0.5:
        return [_tree(rng, height - 1) for _ in range(rng.randint(0, 3))]
    return {f'{i}"[': _tree(rng, height - 1) for i in range(rng.randint(0, 3))}


def test_depth_matches_the_parsed_document_for_random_documents() -> None:
    rng = random.Random(8)
    documents = [_tree(rng, rng.randint(0, 12)) for _ in range(2000)]
    measured = [nesting_depth(json.dumps(d).encode()) for d in documents]
    assert measured == [_depth(d) for d in documents]


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"", 0),
        (b'"[[[["', 0),
        (b"[[[]]]", 3),
        (b'{"a": [1, {"b": "]]]"}]}', 3),
        (b"[" * 100_000, 100_000),  # never closed: counted, not left to a parser
        (b"]]][[", 0),  # a parser stops at the first stray closer
    ],
)
def test_depth_of_edge_cases(body: bytes, depth: int) -> None:
    assert nesting_depth(body) == depth


def test_too_deep_names_the_depth_and_the_limit() -> None:
    assert too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is None
    assert too_deep(b"[" * 70 + b"]" * 70) == (
        "the JSON body nests 70 levels deep, over the limit of 64; flatten the data "
        "(for example, send nested structures as a JSON string)"
    )
