"""Start-up: a command builds only the module that owns it, --help lists every command, and
neither imports the server, the store, YAML or (before a request) httpx."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import typer
import typer.main

from blastwall.cli import main

# What `blastwall runbook` and `--help` must never import: the server and store, and the
# parsers and HTTP client they do not use before a request.
HEAVY = {"fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "yaml", "httpx", "numpy"}
PROBE = """
import atexit, json, sys
def report():
    sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n")
atexit.register(report)
sys.argv = ["blastwall", *json.loads(sys.argv[1])]
from blastwall.cli.main import main
main()
"""


def _names(app: typer.Typer) -> list[str]:
    names = [
        c.name or typer.main.get_command_name(c.callback.__name__)  # type: ignore[union-attr]
        for c in app.registered_commands
    ]
    return names + [g.typer_instance.info.name for g in app.registered_groups]  # type: ignore[misc]


def test_commands_name_each_module_exactly_what_it_registers() -> None:
    owned: dict[str, str] = {}
    for module in main.MODULES:
        for name in _names(importlib.import_module(f"blastwall.cli.{module}").app):
            owned[name] = module
    assert owned == main.COMMANDS
    assert sorted(set(main.COMMANDS.values())) == sorted(main.MODULES)


def test_a_command_builds_its_module_alone_and_help_builds_them_all() -> None:
    runbook = main.for_argv(["runbook", "support-agent"])
    assert [g.typer_instance.info.name for g in runbook.registered_groups] == [
        main.build(("runbook",)).registered_groups[0].typer_instance.info.name
    ]
    assert len(runbook.registered_groups) == 1
    assert main.for_argv(["--help"]) is main.app
    assert main.for_argv(["no-such-command"]) is main.app
    assert len(main.app.registered_groups) == len(main.MODULES)


def _imported(*argv: str) -> tuple[int, set[str], str]:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    modules = set(json.loads(line.removeprefix("MODULES ")))
    return done.returncode, modules, done.stdout + done.stderr


def test_runbook_and_help_import_neither_the_server_nor_yaml_nor_httpx() -> None:
    code, modules, output = _imported("runbook", "support-agent")
    assert code == 1, output  # refused at once: no BLASTWALL_TOKEN
    assert "no API token" in output
    assert {m.partition(".")[0] for m in modules} & HEAVY == set()
    cli = sorted(m for m in modules if m.startswith("blastwall.cli."))
    assert cli == [
        "blastwall.cli.client",
        "blastwall.cli.errors",
        "blastwall.cli.main",
        "blastwall.cli.options",
        "blastwall.cli.output",
        "blastwall.cli.runbook",
    ]
    code, modules, output = _imported("--help")
    assert code == 0, output
    listed = {line.split()[1] for line in output.splitlines() if line.startswith("│ ")}
    assert set(main.COMMANDS) <= listed
    assert {m.partition(".")[0] for m in modules} & HEAVY == set()
