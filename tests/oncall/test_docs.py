"""docs/oncall.md stays true: every key is documented, and `oncall now` prints what it shows."""

from __future__ import annotations

import json

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.config import Settings
from blastwall.oncall.spec import (
    CoverageSpec,
    LayerSpec,
    LevelSpec,
    OncallSpec,
    PersonSpec,
    PolicySpec,
    RestrictionSpec,
    ScheduleSpec,
    TargetSpec,
)
from tests.cli.conftest import lines
from tests.config_as_code.factories import EXAMPLE, ROOT
from tests.oncall.factories import apply_text
from tests.traces.factories import live_cli

DOCS = ROOT / "docs" / "oncall.md"
ASKED = "2026-01-07T12:00:00Z"


def test_every_key_of_the_section_is_in_the_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    models: list[type[BaseModel]] = [
        OncallSpec,
        PersonSpec,
        ScheduleSpec,
        LayerSpec,
        RestrictionSpec,
        PolicySpec,
        LevelSpec,
        TargetSpec,
        CoverageSpec,
    ]
    undocumented = [
        f"{model.__name__}.{key}"
        for model in models
        for key in model.model_fields
        if f"`{key}`" not in text and f"{key}:" not in text
    ]
    assert undocumented == []


def _block(text: str, opening: str) -> str:
    start = text.index(opening) + len(opening)
    return text[start : text.index("```", start)]


def test_oncall_now_prints_what_the_docs_show(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], admin_token: str
) -> None:
    apply_text(session_factory, EXAMPLE.read_text(encoding="utf-8"))
    text = DOCS.read_text(encoding="utf-8")
    command = f"$ blastwall oncall now support-agent --at {ASKED}\n"
    shown = _block(text, command)
    opening = "`--json` prints what `GET /api/v1/oncall/now` answers:\n\n```json\n"
    documented_json = json.loads(_block(text, opening))
    with live_cli(settings, engine, admin_token) as cli:
        printed = cli("oncall", "now", "support-agent", "--at", ASKED)
        assert lines(printed.stdout) == lines(shown)
        as_json = cli("oncall", "now", "support-agent", "--at", ASKED, "--json")
        assert json.loads(as_json.stdout) == documented_json
