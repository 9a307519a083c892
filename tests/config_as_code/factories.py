"""Test data for config as code: the shipped example, edited one key at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.config_as_code.loader import load_text
from blastwall.config_as_code.schema import Document
from blastwall.db import all_models
from blastwall.db.base import Base

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_NAME = "examples/blastwall.yaml"
EXAMPLE = ROOT / EXAMPLE_NAME
ADMIN = Actor(name="root", role=Role.admin)
COMMANDER = Actor(name="cora", role=Role.commander)

assert all_models  # every table is in Base.metadata, so snapshots see them all


def example_text(*edits: tuple[str, str]) -> str:
    """The example file with each (old, new) edit made; ``old`` must occur exactly once."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the example"
        text = text.replace(old, new)
    return text


def example(*edits: tuple[str, str]) -> Document:
    return load_text(example_text(*edits), file=EXAMPLE_NAME)


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that something changed nothing."""
    return {
        table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
        for table in Base.metadata.sorted_tables
    }
