"""`kill-model`, `restore-model`, `model-kills`, and `levers` naming them, against a live server."""

from __future__ import annotations

import httpx
import pytest

from tests.cli.conftest import Invoke, lines, make_system


@pytest.fixture
def system(api: httpx.Client) -> str:
    return make_system(api)["name"]


def test_kill_model_is_listed_shown_with_the_levers_and_restored(cli: Invoke, system: str) -> None:
    killed = cli("kill-model", "gpt-4o-2024", "--reason", "empty answers")
    assert killed.exit_code == 0, killed.output
    assert lines(killed.stdout) == [
        "Killed models gpt-4o-2024* in every system (revision 1)",
        "Undo with: blastwall restore-model gpt-4o-2024 --reason '...'",
    ]
    listed = lines(cli("model-kills").stdout)
    assert listed[0].split() == ["MODEL", "PREFIX", "REVISION", "UPDATED", "BY"]
    assert listed[2].split()[:2] == ["gpt-4o-2024", "1"]
    assert lines(cli("levers", system).stdout)[-1] == (
        "Models killed in every system: gpt-4o-2024* (blastwall restore-model)"
    )
    restored = cli("restore-model", "gpt-4o-2024", "-r", "fixed")
    assert lines(restored.stdout) == ["Restored models gpt-4o-2024* in every system (revision 2)"]
    assert lines(cli("model-kills").stdout) == ["No model is killed."]


def test_a_too_short_prefix_is_one_line_with_the_fix(cli: Invoke) -> None:
    result = cli("kill-model", "gp", "-r", "x")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: model prefix 'gp' must be 3 to 200 characters: name the model or its family, "
        "e.g. 'gpt-4o-2024' (a short prefix would kill every model)\n"
    )
