"""The communications section's errors and the templates' override directory (no store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blastwall.comms import templates
from blastwall.config_as_code.loader import ConfigError, load_text
from blastwall.exceptions import InvalidInput

FILE = "version: 1\ncommunications:\n  cadence:\n    1: 30m\n    2: {value}\n"


def test_a_bad_cadence_names_its_line_and_how_to_write_one() -> None:
    with pytest.raises(ConfigError) as caught:
        load_text(FILE.format(value="soon"))
    assert str(caught.value) == (
        "blastwall.yaml:5: communications.cadence.2: 'soon' is not a duration: write 30m, "
        "1h, 4h, 1d or seconds (1800)"
    )


def test_cadence_fills_unlisted_severities_with_the_defaults() -> None:
    spec = load_text(FILE.format(value="2h")).communications
    assert spec is not None
    assert spec.body() == {
        "cadence": {"1": 1800, "2": 7200, "3": 14400},
        "escalate_after": 900,
        "notice": {"severities": [1], "min_users": 1},
    }


def test_a_template_directory_overrides_and_adds_templates(tmp_path: Path) -> None:
    (tmp_path / "updates").mkdir()
    (tmp_path / "updates" / "identified.md.j2").write_text("Found it: {{ title }}")
    (tmp_path / "updates" / "short.md.j2").write_text("{{ message }} ({{ missing }})")
    assert templates.names("updates", tmp_path) == [
        "identified",
        "investigating",
        "monitoring",
        "resolved",
        "short",
    ]
    assert templates.render("updates", "identified", {"title": "overpaying"}, tmp_path) == (
        "Found it: overpaying\n"
    )
    with pytest.raises(InvalidInput) as caught:
        templates.render("updates", "short", {"message": "hi"}, tmp_path)
    assert caught.value.detail == (
        "the updates template 'short' cannot be filled: 'missing' is undefined; fix the "
        "template file (see docs/communications.md for the fields it may use)"
    )
