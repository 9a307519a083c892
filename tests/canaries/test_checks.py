"""Each check kind passes and fails with a reason; bad regexes and schemas are refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from blastwall.canaries import checks
from blastwall.canaries.checks import Verdict, evaluate
from blastwall.canaries.schemas import CanarySetBody
from tests.canaries.factories import case


def test_contains_is_case_sensitive_unless_told() -> None:
    assert evaluate({"kind": "contains", "value": "Refund"}, "your refund", None) == Verdict(
        False, "output does not contain 'Refund': 'your refund'"
    )
    check = {"kind": "contains", "value": "Refund", "ignore_case": True}
    assert evaluate(check, "your refund", None) == Verdict(True)


def test_regex_searches_the_output() -> None:
    check = {"kind": "regex", "pattern": r"order A\d{5}"}
    assert evaluate(check, "see order A12345 now", None) == Verdict(True)
    assert evaluate(check, "no order", None) == Verdict(
        False, r"output does not match /order A\d{5}/: 'no order'"
    )


def test_label_compares_the_returned_label() -> None:
    check = {"kind": "label", "value": "fraud"}
    assert evaluate(check, None, "fraud") == Verdict(True)
    assert evaluate(check, "x", "refund") == Verdict(
        False, "expected label 'fraud', got label 'refund'"
    )
    assert evaluate(check, "x", None) == Verdict(False, "expected label 'fraud', got no label")


def test_exact_ignores_surrounding_whitespace_by_default() -> None:
    assert evaluate({"kind": "exact", "value": "yes"}, " yes\n", None) == Verdict(True)
    assert evaluate({"kind": "exact", "value": "yes", "strip": False}, " yes", None) == Verdict(
        False, "output ' yes' is not exactly 'yes'"
    )


def test_an_output_check_fails_when_there_is_no_output() -> None:
    assert evaluate({"kind": "contains", "value": "a"}, None, "x") == Verdict(
        False, "the target returned no output"
    )


def test_a_long_output_is_cut_in_the_reason() -> None:
    verdict = evaluate({"kind": "contains", "value": "zz"}, "a" * 500, None)
    assert verdict.reason == f"output does not contain 'zz': {'a' * 120 + '...'!r}"


SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["category", "confidence"],
    "properties": {
        "category": {"enum": ["refund", "general"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}},
    },
    "additionalProperties": False,
}


def test_json_schema_passes_a_matching_document() -> None:
    output = '{"category": "refund", "confidence": 0.9, "tags": ["a"]}'
    assert evaluate({"kind": "json_schema", "schema": SCHEMA}, output, None) == Verdict(True)


def test_json_schema_lists_every_violation_by_path() -> None:
    output = '{"category": "fraud", "confidence": 2, "tags": ["toolong", 3], "x": 1}'
    verdict = evaluate({"kind": "json_schema", "schema": SCHEMA}, output, None)
    assert verdict == Verdict(
        False,
        "output does not match the schema: $.category is 'fraud', expected one of "
        "['refund', 'general']; $.confidence is 2, above the maximum 1; $.tags[0] is longer "
        "than 5 characters; $.tags[1] is integer, expected string; $.x is not allowed",
    )


def test_json_schema_reports_missing_required_and_non_json() -> None:
    schema = {"kind": "json_schema", "schema": SCHEMA}
    assert evaluate(schema, "{}", None).reason == (
        "output does not match the schema: $.category is missing; $.confidence is missing"
    )
    assert evaluate(schema, "not json", None).reason.startswith("output is not JSON (Expecting")


@pytest.mark.parametrize(
    ("value", "schema", "ok"),
    [
        (3, {"type": "integer"}, True),
        (3.0, {"type": "integer"}, True),
        (3.5, {"type": "integer"}, False),
        (True, {"type": "integer"}, False),
        (3, {"type": "number"}, True),
        (None, {"type": ["string", "null"]}, True),
        ("a", {"const": "a"}, True),
        ("ab", {"minLength": 3}, False),
        (-1, {"minimum": 0}, False),
    ],
)
def test_schema_types_and_bounds(value: Any, schema: dict[str, Any], ok: bool) -> None:
    assert (checks.schema_errors(value, schema) == []) is ok


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"oneOf": []}, "schema.oneOf is not supported; canary schemas support type, enum"),
        ({"type": "str"}, "schema.type must be one of string, number"),
        ({"required": "a"}, "schema.required must be a list of property names"),
        ({"properties": {"a": {"type": 1}}}, "schema.properties.a.type must be one of"),
        ({"additionalProperties": {}}, "schema.additionalProperties must be true or false"),
        ({"enum": []}, "schema.enum must be a non-empty list"),
        ({"maxLength": -1}, "schema.maxLength must be a whole number >= 0"),
        ({"minimum": "0"}, "schema.minimum must be a number"),
        ({"items": []}, "schema.items must be a JSON object, got list"),
    ],
)
def test_unsupported_or_broken_schemas_are_refused(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        checks.check_schema(schema)


def test_titles_and_descriptions_in_a_schema_are_accepted() -> None:
    checks.check_schema({"title": "t", "description": "d", "$schema": "x", "type": "object"})


def _errors(check: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        CanarySetBody.model_validate({"cases": [case("a", "p", **check)]})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


def test_a_set_with_a_bad_regex_names_the_field_and_the_fix() -> None:
    assert _errors({"kind": "regex", "pattern": "("}) == [
        (
            "cases.0.check.regex.pattern",
            "Value error, '(' is not a valid regular expression (missing ), unterminated "
            "subpattern at position 0); fix the pattern (Python re syntax)",
        )
    ]


def test_a_set_with_a_bad_schema_names_the_keyword() -> None:
    assert _errors({"kind": "json_schema", "schema": {"anyOf": []}})[0][0] == (
        "cases.0.check.json_schema.schema"
    )


def test_an_unknown_check_kind_lists_the_kinds() -> None:
    [(where, message)] = _errors({"kind": "similar"})
    assert where == "cases.0.check"
    assert "'contains', 'regex', 'label', 'exact', 'json_schema'" in message


def test_case_names_must_be_unique() -> None:
    with pytest.raises(ValidationError, match=r"cases\.1\.name: 'a' is used twice"):
        CanarySetBody.model_validate({"cases": [case("a", "p", kind="label", value="x")] * 2})
