"""docs/alerts.md stays true: its rules example applies, every field is documented."""

from __future__ import annotations

import re
from pathlib import Path

from blastwall.alerts.rules import AlertRule
from blastwall.alerts.schemas import AlertmanagerAlert, AlertmanagerPayload, GenericAlert
from blastwall.config_as_code.loader import load_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"


def test_the_rules_example_is_a_valid_alert_rules_section() -> None:
    text = DOCS.read_text(encoding="utf-8")
    [example] = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "alert_rules:" in b]
    document = load_text("version: 1\n" + example)
    assert [(r.name, r.system, r.severity, r.harm) for r in document.alert_rules or []] == [
        ("refunds-critical", "support-agent", 1, None),
        (None, "support-agent", None, "minor"),
    ]


def test_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    models = [AlertRule, GenericAlert, AlertmanagerPayload, AlertmanagerAlert]
    undocumented = [
        f"{model.__name__}.{key}"
        for model in models
        for key in (field.alias or name for name, field in model.model_fields.items())
        if f"`{key}`" not in text and not re.search(rf"\b{key}\b", text)
    ]
    assert undocumented == []
