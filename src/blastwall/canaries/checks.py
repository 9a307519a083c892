"""Canary checks (D3): pure functions that judge one answer and say why it failed.

JSON schema: the ``jsonschema`` package is not a dependency, so this module implements the
subset canaries need and refuses every other keyword when a schema is declared (a keyword
silently ignored would make a check pass that should fail).  Supported: ``type`` (a name
or a list of names), ``enum``, ``const``, ``required``, ``properties``,
``additionalProperties`` (boolean), ``items``, ``minLength``, ``maxLength``, ``minimum``,
``maximum``; ``$schema``, ``title``, ``description`` and ``$comment`` are accepted and
ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from blastwall.canaries.enums import CheckKind

SCHEMA_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
SCHEMA_KEYWORDS = (
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
)
_IGNORED_KEYWORDS = ("$schema", "title", "description", "$comment")
_SHOWN = 120  # characters of an answer quoted in a failure reason


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


def check_schema(schema: object, where: str = "schema") -> None:
    """Refuse a JSON schema this module cannot apply faithfully; ValueError names the spot."""
    if not isinstance(schema, Mapping):
        raise ValueError(f"{where} must be a JSON object, got {type(schema).__name__}")
    for key, value in schema.items():
        if key in _IGNORED_KEYWORDS:
            continue
        if key not in SCHEMA_KEYWORDS:
            raise ValueError(
                f"{where}.{key} is not supported; canary schemas support "
                f"{', '.join(SCHEMA_KEYWORDS)}"
            )
        _check_keyword(key, value, f"{where}.{key}")


def _check_type(value: Any, where: str) -> None:
    names = value if isinstance(value, list) else [value]
    if not names or any(n not in SCHEMA_TYPES for n in names):
        raise ValueError(f"{where} must be one of {', '.join(SCHEMA_TYPES)} (or a list)")


def _check_enum(value: Any, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where} must be a non-empty list of allowed values")


def _check_required(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of property names")


def _check_properties(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must map property names to schemas")
    for name, sub in value.items():
        check_schema(sub, f"{where}.{name}")


def _check_additional(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false (schemas there are not supported)")


def _check_length(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where} must be a whole number >= 0")


def _check_number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number")


def _check_const(value: Any, where: str) -> None:
    """Any JSON value may be a const."""


_KEYWORD_CHECKS: dict[str, Callable[[Any, str], None]] = {
    "type": _check_type,
    "enum": _check_enum,
    "const": _check_const,
    "required": _check_required,
    "properties": _check_properties,
    "additionalProperties": _check_additional,
    "items": check_schema,
    "minLength": _check_length,
    "maxLength": _check_length,
    "minimum": _check_number,
    "maximum": _check_number,
}


def _check_keyword(key: str, value: Any, where: str) -> None:
    _KEYWORD_CHECKS[key](value, where)


_PYTHON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    return next(name for kind, name in _PYTHON_TYPES if isinstance(value, kind))


def _has_type(value: Any, name: str) -> bool:
    actual = _type_of(value)
    if name == "number":
        return actual in ("number", "integer")
    if name == "integer" and actual == "number":
        return float(value).is_integer()
    return actual == name


def schema_errors(value: Any, schema: Mapping[str, Any], where: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (a schema `check_schema` accepted), by path."""
    errors: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_has_type(value, n) for n in names):
            return [f"{where} is {_type_of(value)}, expected {' or '.join(names)}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where} is {value!r}, expected one of {schema['enum']!r}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where} is {value!r}, expected {schema['const']!r}")
    errors += _scalar_errors(value, schema, where)
    if isinstance(value, dict):
        errors += _object_errors(value, schema, where)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{where}[{index}]")
    return errors


def _scalar_errors(value: Any, schema: Mapping[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{where} is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where} is longer than {schema['maxLength']} characters")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where} is {value}, below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where} is {value}, above the maximum {schema['maximum']}")
    return errors


def _object_errors(value: dict[str, Any], schema: Mapping[str, Any], where: str) -> list[str]:
    errors = [
        f"{where}.{name} is missing" for name in schema.get("required", ()) if name not in value
    ]
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name, sub in properties.items():
        if name in value:
            errors += schema_errors(value[name], sub, f"{where}.{name}")
    if schema.get("additionalProperties") is False:
        extra = sorted(set(value) - set(properties))
        errors += [f"{where}.{name} is not allowed" for name in extra]
    return errors


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
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        return Verdict(False, f"output does not match the schema: {shown}")
    return Verdict(True)


_ON_OUTPUT: dict[CheckKind, Callable[[Mapping[str, Any], str], Verdict]] = {
    CheckKind.contains: _contains,
    CheckKind.regex: _regex,
    CheckKind.exact: _exact,
}
