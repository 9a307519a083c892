"""The ``blastwall`` command with the SDK alone: it names the extra to install, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import blastwall

SRC = str(Path(blastwall.__file__).resolve().parents[1])

# Runs the console-script entry point with some packages made unimportable, as in an
# install without the extra that brings them.
RUNNER = """
import importlib.abc, sys
blocked = set(sys.argv[1].split(","))

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Missing())
sys.argv = ["blastwall", *sys.argv[2:]]
from blastwall.cli.entry import main
main()
"""


def run(blocked: str, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"} | (
        {"BLASTWALL_TOKEN": token} if token else {}
    )
    return subprocess.run(
        [sys.executable, "-c", RUNNER, blocked, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_without_the_cli_extra_the_command_names_it_and_exits_1() -> None:
    done = run("typer,rich,click,yaml", "--version")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "blastwall: The blastwall command line needs the 'typer' package, which this install "
        "does not have (`pip install blastwall` is the SDK alone).\n"
        "Install it with: pip install 'blastwall[cli]'  (or 'blastwall[server]' to run the "
        "server too)\n"
    )


def test_serve_without_the_server_extra_names_it_and_exits_1() -> None:
    done = run("uvicorn,fastapi,sqlalchemy,alembic,pydantic_settings,numpy", "serve")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.endswith(
        "needs the 'uvicorn' package, which this install does not have "
        "(`pip install blastwall` is the SDK alone).\n"
        "Install it with: pip install 'blastwall[server]'\n"
    )


def test_a_missing_base_dependency_is_a_real_fault_and_keeps_its_traceback() -> None:
    # A command that makes a request: the CLI imports httpx only then.
    done = run("httpx", "whoami", token="bw_x")
    assert done.returncode == 1
    # Raised inside a command, so Typer draws the traceback in a box.
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.endswith("ModuleNotFoundError: No module named 'httpx'\n")


def test_with_every_extra_the_command_runs() -> None:
    done = run("blastwall_not_a_dependency", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"blastwall {blastwall.__version__}")


@pytest.mark.parametrize("blocked", ["typer", "yaml"])
def test_the_entry_point_module_imports_with_the_sdk_alone(blocked: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER.replace("main()\n", ""), blocked],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
