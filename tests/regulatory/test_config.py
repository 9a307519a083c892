"""Regimes in blastwall.yaml: applied per system, re-applied unchanged, errors with lines."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.regulatory import regimes
from tests.regulatory.factories import FILE, apply_text, edited

Factory = sessionmaker[Session]


def test_regimes_apply_with_defaults_and_reapply_unchanged(session_factory: Factory) -> None:
    plan = apply_text(session_factory)
    steps = [(i.action.value, i.name) for i in plan.items if i.kind.value == "regimes"]
    assert steps == [("create", "privacy-bot"), ("create", "later-bot")]
    with session_factory() as session:
        stored = regimes.current(session, "privacy-bot")
    assert [(r["name"], r["effective"], r["authority"]) for r in stored] == [
        ("eu_ai_act", "2026-08-02", "Bundesnetzagentur (DE)"),
        ("gdpr", "2018-05-25", "supervisory authority"),
        ("nis2", "2024-10-18", "CSIRT / competent authority"),
        ("dora", "2025-01-17", "competent financial authority"),
        ("ca_sb53", "2026-01-01", "Office of Emergency Services"),
    ]
    again = apply_text(session_factory)
    assert [i.action.value for i in again.items if i.kind.value == "regimes"] == [
        "unchanged",
        "unchanged",
    ]
    changed = apply_text(session_factory, edited(("      - dora\n", "")))
    (step,) = [i for i in changed.items if i.name == "privacy-bot" and i.kind.value == "regimes"]
    assert step.action.value == "update"
    with session_factory() as session:
        names = [r["name"] for r in regimes.current(session, "privacy-bot")]
    assert names == ["eu_ai_act", "gdpr", "nis2", "ca_sb53"]
    with pytest.raises(ConfigError) as twice:
        apply_text(session_factory, edited(("      - ca_sb53\n", "      - gdpr\n")))
    assert str(twice.value) == (
        "regulatory.yaml:19: systems[0].regimes[4]: regime 'gdpr' is listed twice (also at "
        "0): keep one entry per regime"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("      - gdpr\n", "      - gdrp\n"),
            "regulatory.yaml:11: systems[0].regimes[0].name: 'gdrp' is not a regime Blastwall "
            "knows: use one of eu_ai_act, gdpr, nis2, dora, ca_sb53 (docs/regulatory.md)",
        ),
        (
            ("effective: 2026-08-02", "effective: 2 Aug 2026"),
            "regulatory.yaml:13: systems[0].regimes[1].effective: '2 Aug 2026' is not a date: "
            "write YYYY-MM-DD, e.g. 2027-12-02",
        ),
    ],
)
def test_bad_regimes_are_refused_with_their_line(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_text(edited(edit), file=FILE)
    assert str(refused.value) == message
