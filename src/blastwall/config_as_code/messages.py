"""Turn pydantic's validation errors into messages that say what was wrong and how to fix it."""

from __future__ import annotations

import difflib
import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from blastwall.config_as_code.schema import SUPPORTED_VERSION, Document


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


def model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The schema model describing the mapping at ``loc``, if the path leads to one."""
    current: Any = Document
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = _unwrap(field.annotation)
        elif isinstance(part, int) and get_origin(current) is list:
            current = _unwrap(get_args(current)[0])
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


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
    loc = tuple(error["loc"])
    key = str(loc[-1]) if loc else ""
    if loc == ("version",) and kind != "missing":
        return f"{value!r} is not a supported version: write 'version: {SUPPORTED_VERSION}'"
    if kind == "missing" and loc == ("version",):
        return f"is required: start the file with 'version: {SUPPORTED_VERSION}'"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    choices = _choices(str(ctx.get("expected", "")))
    fixed: dict[str, str] = {
        "missing": f"is required: add '{key}:' here (docs/configuration.md lists every key)",
        "enum": f"{value!r} is not one of {choices}",
        "literal_error": f"{value!r} is not one of {choices}",
        "value_error": str(ctx.get("error", error["msg"])),
        "string_type": f"expected text, got {describe(value)}: put it in quotes",
        "bool_type": f"expected true or false, got {describe(value)}",
        "int_type": f"expected a whole number, got {describe(value)}",
        "list_type": f"expected a list, got {describe(value)}: write [a, b] or '- item' lines",
        "dict_type": f"expected a mapping of keys to values, got {describe(value)}",
        "model_type": f"expected a mapping of keys to values, got {describe(value)}",
        "greater_than_equal": f"{value!r} is too small: use {ctx.get('ge')} or more",
        "too_short": "must not be empty: list at least one",
    }
    return fixed.get(kind, str(error["msg"]))
