"""Every `blastwall ...` command that an error message, a help text or the docs tell a user
to run exists, with the options it names (resolved against the Typer app itself)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from blastwall.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
# `blastwall` (or the README's `$bw`) and the words after it, up to the end of the code.
COMMAND = re.compile(r"(?<![\w./-])(?:blastwall|\$bw)((?: +[^\s`'\"|;&#)]+)+)")
WORD = re.compile(r"[a-z][a-z0-9-]*")
# Where "blastwall" is followed by words that are not a command line.
NOT_COMMANDS = {
    "import testing",  # `from blastwall import testing`
    "server (FastAPI,",  # a box of the architecture diagram
    "(built-in default)",  # the severity matrix's author name
    "command line needs",  # prose: "The blastwall command line needs ..."
}


def _strings(path: Path) -> Iterator[str]:
    """Every string literal of a module; an f-string's fields read as X."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)


def references() -> Iterator[tuple[str, str]]:
    """(where, the words after `blastwall`) for the source's strings and the user docs."""
    texts: list[tuple[str, str]] = [
        (str(path.relative_to(ROOT)), text)
        for path in sorted((ROOT / "src" / "blastwall").rglob("*.py"))
        for text in _strings(path)
    ]
    docs = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    texts += [(str(path.relative_to(ROOT)), path.read_text()) for path in docs]
    for where, text in texts:
        for match in COMMAND.finditer(text):
            words = match.group(1).strip()
            if not any(words.startswith(prose) for prose in NOT_COMMANDS):
                yield where, words


def problem(words: str, root: Any) -> str | None:
    """Why ``blastwall WORDS`` does not run, or None when every command and option exists."""
    command = root
    tokens = words.split()
    while tokens and isinstance(command, typer.core.TyperGroup):
        name = tokens[0].rstrip(":,.")
        if not WORD.fullmatch(name) or name not in command.commands:
            break
        command = command.commands[name]
        tokens.pop(0)
    if command is root:
        first = tokens[0]
        if WORD.fullmatch(first):
            return f"no command {first!r}"
        return None  # a placeholder such as GROUP or {name}
    if isinstance(command, typer.core.TyperGroup) and tokens and WORD.fullmatch(tokens[0]):
        subcommands = ", ".join(sorted(command.commands))
        return f"{command.name} has no subcommand {tokens[0]!r} (it has {subcommands})"
    options = {"--help"} | {
        opt for param in command.params for opt in (*param.opts, *param.secondary_opts)
    }
    for token in tokens:
        option = token.strip("[]").split("=")[0].rstrip(":,.]")
        if option.startswith("-") and option not in options and option not in ("-", "--"):
            return f"{command.name} has no option {option}"
    return None


REFERENCES = sorted(set(references()))


@pytest.fixture(scope="module")
def root() -> Any:
    """The Click command tree of the Typer app, built once (only read by ``problem``)."""
    return typer.main.get_command(app)


def test_the_docs_and_messages_name_commands() -> None:
    # The extraction itself works: these are known to be there.
    assert ("src/blastwall/cli/levers.py", "restore X --reason") in REFERENCES
    assert ("README.md", "audit verify") in REFERENCES
    assert len(REFERENCES) > 100


@pytest.mark.parametrize(("where", "words"), REFERENCES)
def test_every_named_command_exists(root: Any, where: str, words: str) -> None:
    found = problem(words, root)
    assert found is None, f"{where}: `blastwall {words}`: {found}"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("system list", "no command 'system'"),
        ("incident lst", "incident has no subcommand 'lst' (it has "),
        ("kill X --force", "kill has no option --force"),
        ("handoff list --status open", None),
        ("audit [verify]", None),
        ("GROUP --help", None),
    ],
)
def test_the_check_catches_what_it_should(root: Any, words: str, expected: str | None) -> None:
    found = problem(words, root)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(expected)
