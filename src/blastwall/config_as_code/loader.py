"""Read ``blastwall.yaml`` into a validated Document, keeping the line of every key.

Every problem is reported at once as ``file:line: key.path: what is wrong and how to fix``,
e.g. ``blastwall.yaml:14: systems[0].risk_tier: 'extreme' is not one of low, medium, high,
critical``. YAML syntax errors get the same shape: the line, and the key being read.
The text is read by the YAML 1.2 core schema (``yes``/``no``/``on``/``off`` stay text) with
limits on size, nesting and aliases, so a hostile file is one clear error (``yaml_core``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from blastwall.config_as_code.checks import check
from blastwall.config_as_code.errors import ROOT, ConfigError, ConfigIssue, Loc, Source, format_path
from blastwall.config_as_code.messages import location, message_for
from blastwall.config_as_code.schema import Document
from blastwall.config_as_code.yaml_core import MAX_BYTES, CoreLoader, LimitError, too_large

MERGE_TAG = "tag:yaml.org,2002:merge"
_SHOWN_DEPTH = 6
_KEY_AT_LINE_START = re.compile(r"\s*(?:-\s+)?([A-Za-z0-9_.-]+)\s*:")


def load_file(path: str | Path) -> Document:
    """Read and validate a file; raises ConfigError naming file, line and key of each problem."""
    name = str(path)
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # never more: the file may be huge
        if len(raw) > MAX_BYTES:
            size = Path(path).stat().st_size
            raise ConfigError([ConfigIssue(name, None, ROOT, too_large(size))])
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [ConfigIssue(name, None, ROOT, "file not found: check the path, or create it")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [ConfigIssue(name, None, ROOT, f"cannot read the file ({exc}): save it as UTF-8")]
        ) from None
    return load_text(text, file=name)


def load_document(path: str | Path) -> dict[str, Any]:
    """Read and validate a file; return it as JSON data, ready for POST /api/v1/apply."""
    return load_file(path).model_dump(mode="json")


def load_text(text: str, *, file: str = "blastwall.yaml") -> Document:
    """Parse YAML text (named ``file`` in errors) and validate it."""
    try:
        loader = CoreLoader(text)
    except LimitError as exc:
        raise ConfigError([ConfigIssue(file, exc.line, ROOT, exc.message)]) from None
    except ReaderError as exc:
        raise ConfigError([_reader_issue(text, file, exc)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(
                [ConfigIssue(file, 1, ROOT, "the file is empty: start it with 'version: 1'")]
            )
        line_map = _LineMap(file)
        line_map.walk(node)
        if line_map.issues:
            raise ConfigError(line_map.issues)
        data = loader.construct_document(node)
    except LimitError as exc:
        # The first keys say where; 64 levels of [0] would say nothing more.
        path = _path_at(text, exc.index)[:_SHOWN_DEPTH] if exc.index is not None else ()
        raise ConfigError([ConfigIssue(file, exc.line, format_path(path), exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_syntax_issue(text, file, exc)]) from None
    except RecursionError:  # the limits should make this unreachable; never a traceback
        message = "nested too deeply to read: flatten the structure"
        raise ConfigError([ConfigIssue(file, None, ROOT, message)]) from None
    finally:
        loader.dispose()
    return parse(data, Source(file, line_map.lines))


def parse(data: Any, source: Source | None = None) -> Document:
    """Validate already-parsed data (YAML or an API's JSON) into a Document."""
    source = source or Source()
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            source.issue(location(err), message_for(err)) for err in exc.errors()
        ) from None
    problems = check(document)
    if problems:
        raise ConfigError(source.issue(loc, message) for loc, message in problems)
    document.attach(source)
    return document


class _LineMap:
    """The 1-based line of every key path; duplicate keys (YAML keeps the last) are issues."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Loc, int] = {}
        self.issues: list[ConfigIssue] = []
        self._active: set[int] = set()

    def walk(self, node: Node, loc: Loc = ()) -> None:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if id(node) in self._active:  # a recursive alias: its keys are already recorded
            return
        self._active.add(id(node))
        if isinstance(node, MappingNode):
            self._mapping(node, loc)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*loc, index)] = item.start_mark.line + 1
                self.walk(item, (*loc, index))
        self._active.discard(id(node))

    def _mapping(self, node: MappingNode, loc: Loc) -> None:
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # '<<: *defaults' merges keys into this mapping
                merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in merged:
                    self.walk(source, loc)
                continue
            if not isinstance(key_node, ScalarNode):
                continue  # a complex key; validation reports it as an unknown key
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                message = f"is written twice (also on line {seen[key]}): keep one of them"
                self.issues.append(ConfigIssue(self.file, line, format_path((*loc, key)), message))
            seen[key] = line
            self.lines[(*loc, key)] = line
            self.walk(value_node, (*loc, key))


def _reader_issue(text: str, file: str, exc: ReaderError) -> ConfigIssue:
    """A character YAML does not allow (NUL, other control characters): where and which."""
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "?"
    return ConfigIssue(
        file,
        line,
        ROOT,
        f"invalid YAML: the character {character} (column {column}) is not allowed in a YAML "
        "file; remove it (YAML allows no control characters but tab and line breaks)",
    )


def _syntax_issue(text: str, file: str, exc: yaml.MarkedYAMLError) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = exc.problem or exc.context or "the YAML is malformed"
    detail = f"invalid YAML: {problem}"
    if mark is not None:
        detail += f" (column {mark.column + 1})"
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        detail += f", {exc.context} on line {exc.context_mark.line + 1}"
    if "'\\t'" in problem:
        detail += "; indent with spaces: YAML does not allow tabs"
    else:
        detail += "; check the indentation, the ':' after each key, and closing quotes/brackets"
    path = _path_at(text, mark.index) if mark is not None and mark.index is not None else ()
    return ConfigIssue(file, line, format_path(path), detail)


def _path_at(text: str, index: int) -> Loc:
    """The key path the parser was inside when it reached ``index`` (or failed before it)."""
    # Each frame: [is_mapping, key or list position, waiting for a key].
    frames: list[list[Any]] = []

    def finish_value() -> None:
        if frames and frames[-1][0]:
            frames[-1][2] = True
        elif frames:
            frames[-1][1] += 1

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if event.start_mark is not None and event.start_mark.index >= index:
                break
            if isinstance(event, yaml.MappingStartEvent):
                frames.append([True, None, True])
            elif isinstance(event, yaml.SequenceStartEvent):
                frames.append([False, 0, False])
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frames.pop()
                finish_value()
            elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                if frames and frames[-1][0] and frames[-1][2]:
                    frames[-1][1] = getattr(event, "value", None) or getattr(event, "anchor", "")
                    frames[-1][2] = False
                else:
                    finish_value()
    except yaml.YAMLError:
        pass  # the error being reported: the frames say where the parser had got to
    path: list[str | int] = []
    for is_mapping, key, waiting in frames:
        if is_mapping and waiting:
            break
        path.append(str(key) if is_mapping else int(key))
    # The scanner looks ahead, so a bad 'key: value' line can fail before its key is parsed.
    pending = _KEY_AT_LINE_START.match(text[text.rfind("\n", 0, index) + 1 :])
    if frames and frames[-1][0] and frames[-1][2] and pending:
        path.append(pending.group(1))
    return tuple(path)
