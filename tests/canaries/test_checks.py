"""Each check kind passes and fails with a reason; bad regexes and schemas are refused."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

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
        "output does not match the schema: $.category: 'fraud' is not one of ['refund', "
        "'general']; $.confidence: 2 is greater than the maximum of 1; $.tags[0]: 'toolong' is "
        "too long; $.tags[1]: 3 is not of type 'string'; $: Additional properties are not "
        "allowed ('x' was unexpected)",
    )


def test_json_schema_reports_missing_required_and_non_json() -> None:
    schema = {"kind": "json_schema", "schema": SCHEMA}
    assert evaluate(schema, "{}", None).reason == (
        "output does not match the schema: $: 'category' is a required property; $: "
        "'confidence' is a required property"
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


DRAFT = "this is not valid JSON Schema (draft 2020-12), fix the schema"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"oneOf": []}, f"schema.oneOf: [] should be non-empty; {DRAFT}"),
        (
            {"type": "str"},
            f"schema.type: 'str' is not valid under any of the given schemas; {DRAFT}",
        ),
        ({"required": "a"}, f"schema.required: 'a' is not of type 'array'; {DRAFT}"),
        ({"maxLength": -1}, f"schema.maxLength: -1 is less than the minimum of 0; {DRAFT}"),
        ({"minimum": "0"}, f"schema.minimum: '0' is not of type 'number'; {DRAFT}"),
        (
            {"properties": {"a": {"minItems": 1.5}}},
            f"schema.properties.a.minItems: 1.5 is not of type 'integer'; {DRAFT}",
        ),
        (
            {"$schema": "http://json-schema.org/draft-07/schema#", "items": 3},
            "schema.items: 3 is not valid under any of the given schemas; this is not valid "
            "JSON Schema (draft 7), fix the schema",
        ),
        (
            {"$schema": "draft-99"},
            "schema.$schema: 'draft-99' is not a JSON Schema draft this server knows; use one "
            "of http://json-schema.org/draft-04/schema, http://json-schema.org/draft-06/schema, "
            "http://json-schema.org/draft-07/schema, https://json-schema.org/draft/2019-09/schema"
            ", https://json-schema.org/draft/2020-12/schema or leave it out (2020-12)",
        ),
        (
            {"properties": {"a": {"$ref": "http://169.254.169.254/latest/meta-data"}}},
            "schema.properties.a.$ref: 'http://169.254.169.254/latest/meta-data' points outside "
            "the schema; only local references ('#/$defs/NAME') are supported, the server "
            "fetches no schema",
        ),
        (
            {"$ref": "#/$defs/Missing", "$defs": {}},
            "schema.$ref: '#/$defs/Missing' points to nothing in the schema; add the definition "
            "it names or fix the reference",
        ),
        ([], "schema must be a JSON object, got list"),
    ],
)
def test_invalid_schemas_are_refused_with_the_spot_and_the_rule(schema: Any, message: str) -> None:
    with pytest.raises(ValueError, match="schema") as caught:
        checks.check_schema(schema)
    assert str(caught.value) == message


def test_titles_descriptions_and_a_known_draft_are_accepted() -> None:
    checks.check_schema(
        {
            "title": "t",
            "description": "d",
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
        }
    )


class _Ticket(BaseModel):
    """A routing decision, as an application would declare it."""

    category: Literal["refund", "fraud", "general"]
    reason: str | None = None
    tags: Annotated[list[str], Field(min_length=1)]
    confidence: Annotated[float, Field(ge=0, le=1)]


class _Answer(BaseModel):
    ticket: _Ticket
    alternatives: list[_Ticket] = []


def test_a_pydantic_model_json_schema_is_accepted_and_applied() -> None:
    """anyOf (the optional reason), $defs/$ref (the nested model), minItems, bounds."""
    schema = _Answer.model_json_schema()
    assert {"$defs", "properties"} <= set(schema)
    check = (
        CanarySetBody.model_validate({"cases": [case("a", "p", kind="json_schema", schema=schema)]})
        .cases[0]
        .check.model_dump(by_alias=True)
    )
    good = {"ticket": {"category": "refund", "reason": None, "tags": ["x"], "confidence": 0.9}}
    assert evaluate(check, json.dumps(good), None) == Verdict(True)
    bad = {"ticket": {"category": "refund", "reason": 3, "tags": [], "confidence": 1.5}}
    assert evaluate(check, json.dumps(bad), None) == Verdict(
        False,
        "output does not match the schema: $.ticket.reason: 3 is not valid under any of the "
        "given schemas; $.ticket.tags: [] should be non-empty; $.ticket.confidence: 1.5 is "
        "greater than the maximum of 1",
    )


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


def test_a_set_with_a_bad_schema_names_the_field_and_the_keyword() -> None:
    assert _errors({"kind": "json_schema", "schema": {"anyOf": []}}) == [
        (
            "cases.0.check.json_schema.schema",
            f"Value error, schema.anyOf: [] should be non-empty; {DRAFT}",
        )
    ]


def test_an_unknown_check_kind_lists_the_kinds() -> None:
    [(where, message)] = _errors({"kind": "similar"})
    assert where == "cases.0.check"
    assert "'contains', 'regex', 'label', 'exact', 'json_schema'" in message


def test_case_names_must_be_unique() -> None:
    with pytest.raises(ValidationError, match=r"cases\.1\.name: 'a' is used twice"):
        CanarySetBody.model_validate({"cases": [case("a", "p", kind="label", value="x")] * 2})
