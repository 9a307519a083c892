"""A PyYAML loader for configuration: the YAML 1.2 core schema, with limits on hostile input.

**YAML 1.2 core schema.** PyYAML resolves plain scalars by YAML 1.1, so ``content: [refund,
yes, off]`` would silently become ``["refund", True, False]``, ``10:30`` the number 630 and
``2026-01-05`` a date.  This loader resolves only what YAML 1.2's core schema does:
``true``/``false`` (any case style of those two words) are booleans, ``null``/``~``/empty
is null, decimal, ``0o`` octal and ``0x`` hex are integers, decimal/exponent/``.inf``/
``.nan`` are floats, and everything else (``yes``, ``no``, ``on``, ``off``, ``y``, ``n``,
times, dates) stays text.  Merge keys (``<<: *defaults``) are kept: files use them.

**Limits.** A YAML file can make a small text expand without bound (a "billion laughs":
nine aliases of nine aliases of ...), or nest so deep that a recursive reader overflows
the stack.  The composer here counts as it builds the node graph, before anything expands
it: at most ``MAX_ALIASES`` aliases, ``MAX_DEPTH`` levels of nesting (aliases counted at
the depth where they expand), ``MAX_NODES`` values once aliases are expanded, and no alias
inside the node it names.  ``MAX_BYTES`` caps the file itself (the reader checks it).
Each refusal is a ``LimitError`` carrying the line, so callers report ``file:line:``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 2 * 1024 * 1024
"""Largest configuration file read (the example is 8 KB; 200 long canary cases fit)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings (the schema itself needs about 8)."""
MAX_ALIASES = 200
"""Most ``*alias`` uses (merge keys included) in one file."""
MAX_NODES = 200_000
"""Most values (scalars, lists, mappings) once every alias is expanded."""

_CORE = "tag:yaml.org,2002:"


class LimitError(yaml.YAMLError):
    """The text breaks a limit of this module; ``line`` is 1-based (None: the whole file),
    ``index`` the character offset where the refused node starts."""

    def __init__(self, line: int | None, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.index = index


def _construct_int(loader: yaml.SafeLoader, node: Node) -> int:
    """Integers of the core schema: decimal, 0o octal, 0x hex (no YAML 1.1 forms)."""
    value = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)
    except ValueError:
        raise ConstructorError(
            None, None, f"{value!r} is not a whole number", node.start_mark
        ) from None


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema and the limits above (module docstring)."""

    # A fresh table: SafeLoader's YAML 1.1 resolvers are not inherited.
    yaml_implicit_resolvers: dict[Any, Any] = {}

    def __init__(self, stream: str) -> None:
        if len(stream) > MAX_BYTES:  # characters >= bytes / 4; the file reader checks bytes
            raise LimitError(None, too_large(len(stream.encode("utf-8"))))
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        # id(node) -> (height, values once expanded); a node is here once it is complete.
        self._stats: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        line, at = mark.line + 1, mark.index
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LimitError(
                    line,
                    f"more than {MAX_ALIASES} aliases (*name): write the values out, or "
                    "split the file",
                    at,
                )
            node = super().compose_node(parent, index)
            assert node is not None  # an alias always names a node
            stats = self._stats.get(id(node))
            if stats is None:
                raise LimitError(
                    line,
                    "an alias refers to a node that contains it (a recursive alias): "
                    "configuration cannot be recursive, write the value out",
                    at,
                )
            self._check(line, at, self._depth + stats[0], stats[1])
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(line, _too_deep(), at)
        node = super().compose_node(parent, index)
        assert node is not None  # an event was peeked, so there is a node
        self._depth -= 1
        children = _children(node)
        height = 1 + max((self._stats[id(c)][0] for c in children), default=0)
        size = 1 + sum(self._stats[id(c)][1] for c in children)
        self._stats[id(node)] = (height, size)
        self._check(line, at, self._depth + height, size)
        return node

    def _check(self, line: int, at: int, depth: int, size: int) -> None:
        if depth > MAX_DEPTH:
            raise LimitError(line, _too_deep() + " (counting what its aliases expand to)", at)
        if size > MAX_NODES:
            raise LimitError(
                line,
                f"aliases here expand to more than {MAX_NODES:,} values (a 'billion laughs'?):"
                " use fewer aliases, or write the values out",
                at,
            )


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels: flatten the structure"


def too_large(size: int) -> str:
    """The message for a file of ``size`` bytes, above ``MAX_BYTES``."""
    return (
        f"the file is {size:,} bytes, more than the {MAX_BYTES:,} a configuration file may "
        "be: split it, or manage large canary sets through the API"
    )


_RESOLVERS = (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("merge", r"<<", "<"),
)
for _name, _pattern, _first in _RESOLVERS:
    CoreLoader.add_implicit_resolver(_CORE + _name, re.compile(rf"^(?:{_pattern})$"), list(_first))
CoreLoader.add_constructor(_CORE + "int", _construct_int)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the core schema and the limits (raises yaml.YAMLError)."""
    loader = CoreLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
