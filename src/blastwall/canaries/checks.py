"""Canary checks (D3): pure functions that judge one answer and say why it failed.

JSON schema: the full JSON Schema standard through the ``jsonschema`` library (draft
2020-12 unless the schema's ``$schema`` names draft 4, 6, 7 or 2019-09), so what Pydantic's
``model_json_schema()`` produces (``anyOf``, ``$defs``, ``minItems``, ...) works as written.
A schema is checked against its draft's meta-schema when the set is stored, so a broken
schema is refused then, not discovered at run time.  ``$ref`` may only point inside the
schema (``#/$defs/...``): the server never fetches a schema from elsewhere.  ``format`` is
an annotation, as the standard has it, and not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import (
    Draft4Validator,
    Draft6Validator,
    Draft7Validator,
    Draft201909Validator,
    Draft202012Validator,
)
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from blastwall.canaries.enums import CheckKind

_LABELS: dict[type[Validator], str] = {
    Draft202012Validator: "draft 2020-12",
    Draft201909Validator: "draft 2019-09",
    Draft7Validator: "draft 7",
    Draft6Validator: "draft 6",
    Draft4Validator: "draft 4",
}
# $schema URI (as the meta-schema names itself, without a trailing '#') -> validator.
_DRAFTS: dict[str, type[Validator]] = {
    str(cls.META_SCHEMA.get("$id", cls.META_SCHEMA.get("id"))).rstrip("#"): cls for cls in _LABELS
}
_SHOWN = 120  # characters of an answer quoted in a failure reason
_SHOWN_ERRORS = 5


@dataclass(frozen=True)
class Verdict:
    """Whether the answer passed, and if not, why (in words a responder can act on)."""

    passed: bool
    reason: str = ""


def compile_regex(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """The compiled pattern; ValueError says why it does not compile."""
    try:
        return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ValueError(
            f"{pattern!r} is not a valid regular expression ({exc}); fix the pattern "
            "(Python re syntax)"
        ) from None


def _draft(schema: Mapping[str, Any]) -> type[Validator]:
    declared = schema.get("$schema")
    if declared is None:
        return Draft202012Validator
    found = _DRAFTS.get(str(declared).rstrip("#"))
    if found is None:
        raise ValueError(
            f"schema.$schema: {declared!r} is not a JSON Schema draft this server knows; "
            f"use one of {', '.join(sorted(_DRAFTS))} or leave it out (2020-12)"
        )
    return found


def _where(root: str, path: Any) -> str:
    return "".join([root, *(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)])


def _refs(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "$ref":
                yield (*path, key), item
            else:
                yield from _refs(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _refs(item, (*path, index))


def check_schema(schema: object) -> None:
    """Refuse a schema that is not valid JSON Schema; ValueError names the spot and the rule."""
    if not isinstance(schema, Mapping):
        raise ValueError(f"schema must be a JSON object, got {type(schema).__name__}")
    draft = _draft(schema)
    problem = best_match(draft(draft.META_SCHEMA).iter_errors(schema))
    if problem is not None:
        raise ValueError(
            f"{_where('schema', problem.path)}: {problem.message}; this is not valid JSON "
            f"Schema ({_LABELS[draft]}), fix the schema"
        )
    for path, ref in _refs(schema):
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(
                f"{_where('schema', path)}: {ref!r} points outside the schema; only local "
                "references ('#/$defs/NAME') are supported, the server fetches no schema"
            )
        if ref.startswith("#/") and not _resolves(schema, ref):
            raise ValueError(
                f"{_where('schema', path)}: {ref!r} points to nothing in the schema; add "
                "the definition it names or fix the reference"
            )


def _resolves(schema: Mapping[str, Any], ref: str) -> bool:
    """Whether the JSON pointer ``ref`` ('#/a/b') names a part of ``schema``."""
    node: Any = schema
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def schema_errors(value: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every way ``value`` breaks ``schema`` (one `check_schema` accepted), by JSON path."""
    validator = _draft(schema)(schema)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(value)]


def _quote(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _contains(check: Mapping[str, Any], output: str) -> Verdict:
    needle, haystack = check["value"], output
    if check.get("ignore_case"):
        needle, haystack = needle.casefold(), haystack.casefold()
    if needle in haystack:
        return Verdict(True)
    return Verdict(False, f"output does not contain {check['value']!r}: {_quote(output)}")


def _regex(check: Mapping[str, Any], output: str) -> Verdict:
    pattern = compile_regex(check["pattern"], ignore_case=bool(check.get("ignore_case")))
    if pattern.search(output):
        return Verdict(True)
    return Verdict(False, f"output does not match /{check['pattern']}/: {_quote(output)}")


def _exact(check: Mapping[str, Any], output: str) -> Verdict:
    actual, expected = output, check["value"]
    if check.get("strip", True):
        actual, expected = actual.strip(), expected.strip()
    if actual == expected:
        return Verdict(True)
    return Verdict(False, f"output {_quote(output)} is not exactly {_quote(check['value'])}")


def _label(check: Mapping[str, Any], label: str | None) -> Verdict:
    if label == check["value"]:
        return Verdict(True)
    got = "no label" if label is None else f"label {label!r}"
    return Verdict(False, f"expected label {check['value']!r}, got {got}")


def evaluate(check: Mapping[str, Any], output: str | None, label: str | None) -> Verdict:
    """Judge one answer against a validated check (``CheckSpec.model_dump()``)."""
    kind = CheckKind(check["kind"])
    if kind is CheckKind.label:
        return _label(check, label)
    if output is None:
        return Verdict(False, "the target returned no output")
    if kind is CheckKind.json_schema:
        return _json_verdict(check["schema"], output)
    return _ON_OUTPUT[kind](check, output)


def _json_verdict(schema: Mapping[str, Any], output: str) -> Verdict:
    try:
        value = json.loads(output)
    except ValueError as exc:
        return Verdict(False, f"output is not JSON ({exc}): {_quote(output)}")
    errors = schema_errors(value, schema)
    if errors:
        more = len(errors) - _SHOWN_ERRORS
        shown = "; ".join(errors[:_SHOWN_ERRORS]) + (f"; and {more} more" if more > 0 else "")
        return Verdict(False, f"output does not match the schema: {shown}")
    return Verdict(True)


_ON_OUTPUT: dict[CheckKind, Callable[[Mapping[str, Any], str], Verdict]] = {
    CheckKind.contains: _contains,
    CheckKind.regex: _regex,
    CheckKind.exact: _exact,
}
