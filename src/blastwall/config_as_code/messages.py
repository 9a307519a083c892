"""Turn pydantic's validation errors into messages that say what was wrong and how to fix it."""

from __future__ import annotations

import difflib
import re
import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from blastwall.canaries.schemas import callable_problem
from blastwall.config_as_code.schema import SUPPORTED_VERSION, Document
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_problem

Loc = tuple[int | str, ...]
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w]*(?:\.[\w]+)*): (.+)$", re.DOTALL)


def describe(value: Any) -> str:
    """How a YAML value reads to the person who wrote it.

    >>> describe(None), describe(True), describe(3), describe("x"), describe([1])
    ('nothing (null)', 'the boolean true', 'the number 3', "the text 'x'", 'a list')
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, dict) else type(value).__name__


def _unwrap(annotation: Any) -> Any:
    """Strip Optional and Annotated so the model or list inside shows."""
    while True:
        origin = get_origin(annotation)
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        elif origin is not None and hasattr(annotation, "__metadata__"):
            annotation = get_args(annotation)[0]
        else:
            return annotation


def _member(union: Any, tag: str) -> type[BaseModel] | None:
    """The model of a tagged union (a canary check) whose literal tag is ``tag``."""
    for option in get_args(union):
        model = _unwrap(option)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for field in model.model_fields.values():
            if get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
                return model
    return None


def _walk(loc: Loc) -> tuple[Loc, Any]:
    """``loc`` without the union tags pydantic inserts, and the type found at its end."""
    current: Any = Document
    clean: list[int | str] = []
    for part in loc:
        if get_origin(current) in (Union, types.UnionType) and isinstance(part, str):
            member = _member(current, part)
            if member is not None:  # pydantic's tag, not a key of the document
                current = member
                continue
        clean.append(part)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            current = _unwrap(field.annotation) if field is not None else None
        elif isinstance(part, int) and get_origin(current) is list:
            current = _unwrap(get_args(current)[0])
        else:
            current = None
    return tuple(clean), current


def model_at(loc: Loc) -> type[BaseModel] | None:
    """The schema model describing the mapping at ``loc``, if the path leads to one."""
    current = _walk(loc)[1]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def location(error: ErrorDetails) -> Loc:
    """The document key an error is about.

    Union tags are dropped (``check.regex.pattern`` is written ``check: {pattern: ...}``), a
    missing or unknown tag points at the tag key itself, and a model-level message that
    starts with a field path (``cases.1.name: 'a' is used twice``) points at that field.
    """
    loc, _ = _walk(tuple(error["loc"]))
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return (*loc, str((error.get("ctx") or {}).get("discriminator", "kind")).strip("'"))
    prefix = _field_prefix(error, loc)
    if prefix is not None:
        return (*loc, *(int(p) if p.isdigit() else p for p in prefix[0].split(".")))
    return loc


def _field_prefix(error: ErrorDetails, loc: Loc) -> tuple[str, str] | None:
    """(path, rest) when a model-level ValueError names a field of that model first."""
    if error["type"] != "value_error":
        return None
    found = _FIELD_PREFIX.match(str((error.get("ctx") or {}).get("error", "")))
    model = model_at(loc)
    if found is None or model is None or found.group(1).split(".")[0] not in model.model_fields:
        return None
    return found.group(1), found.group(2)


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    key = str(loc[-1])
    model = model_at(loc[:-1])
    if model is None:
        return "is not a known key: remove it"
    known = list(model.model_fields)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"is not a known key{hint}: remove it or use one of {', '.join(known)}"


def _choices(expected: str) -> str:
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def message_for(error: ErrorDetails) -> str:
    """One pydantic error as 'what was wrong: how to fix it'."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    loc = location(error)
    key = str(loc[-1]) if loc else ""
    if loc == ("version",) and kind != "missing":
        return f"{value!r} is not a supported version: write 'version: {SUPPORTED_VERSION}'"
    if kind == "missing" and loc == ("version",):
        return f"is required: start the file with 'version: {SUPPORTED_VERSION}'"
    if kind == "extra_forbidden":
        return _unknown_key(tuple(error["loc"]))
    special = _domain_message(error, key)
    if special is not None:
        return special
    choices = _choices(str(ctx.get("expected", "")))
    fixed: dict[str, str] = {
        "missing": f"is required: add '{key}:' here (docs/configuration.md lists every key)",
        "enum": f"{value!r} is not one of {choices}",
        "literal_error": f"{value!r} is not one of {choices}",
        "value_error": str(ctx.get("error", error["msg"])),
        "string_type": f"expected text, got {describe(value)}: put it in quotes",
        "bool_type": f"expected true or false, got {describe(value)}",
        "int_type": f"expected a whole number, got {describe(value)}",
        "float_type": f"expected a number, got {describe(value)}",
        "list_type": f"expected a list, got {describe(value)}: write [a, b] or '- item' lines",
        "dict_type": f"expected a mapping of keys to values, got {describe(value)}",
        "model_type": f"expected a mapping of keys to values, got {describe(value)}",
        "greater_than_equal": f"{value!r} is too small: use {ctx.get('ge')} or more",
        "greater_than": f"{value!r} is too small: use more than {ctx.get('gt')}",
        "less_than_equal": f"{value!r} is too large: use {ctx.get('le')} or less",
        "string_too_short": "must not be empty: write a text",
        "string_too_long": f"is too long: use at most {ctx.get('max_length')} characters",
        "too_short": "must not be empty: list at least one",
    }
    return fixed.get(kind, str(error["msg"]))


def _domain_message(error: ErrorDetails, key: str) -> str | None:
    """Messages for the sections validated by a domain's own API model (canaries)."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "value_error":
        prefix = _field_prefix(error, tuple(error["loc"]))
        return prefix[1] if prefix is not None else None
    if kind == "string_pattern_mismatch":
        return _pattern_problem(key, value)
    if kind == "union_tag_invalid":
        return f"{ctx.get('tag')!r} is not one of {_choices(str(ctx.get('expected_tags', '')))}"
    if kind == "union_tag_not_found":
        tags = _tags(_walk(tuple(error["loc"]))[1], key)
        return f"is required: add '{key}:', one of {', '.join(tags)}"
    return None


def _tags(union: Any, key: str) -> list[str]:
    """The tags of a tagged union, e.g. the canary check kinds."""
    tags: list[str] = []
    for option in get_args(union):
        field = getattr(_unwrap(option), "model_fields", {}).get(key)
        if field is not None and get_origin(field.annotation) is Literal:
            tags += [str(tag) for tag in get_args(field.annotation)]
    return tags


def _pattern_problem(key: str, value: Any) -> str | None:
    """What is wrong with a name the domain checks with a regular expression."""
    if not isinstance(value, str):
        return None
    if key == "callable":
        return callable_problem(value)
    if key == "environment":
        return slug_problem(value, ENVIRONMENT_MAX)
    if key == "name":
        return slug_problem(value, NAME_MAX)
    return None
