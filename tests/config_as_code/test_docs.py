"""docs/configuration.md stays true: every key is documented and the example is verbatim."""

from __future__ import annotations

from pydantic import BaseModel

from blastwall.canaries.schemas import (
    CanaryCase,
    ContainsCheck,
    ExactCheck,
    JsonSchemaCheck,
    LabelCheck,
    RegexCheck,
    TargetSpec,
)
from blastwall.config_as_code.schema import (
    ActionSpec,
    AuthorityRuleSpec,
    AuthoritySpec,
    CanarySetSpec,
    Document,
    MonitorSpec,
    ReviewSpec,
    SurfaceSpec,
    SystemSpec,
)
from tests.config_as_code.factories import EXAMPLE, ROOT

DOCS = ROOT / "docs" / "configuration.md"


def test_every_key_of_the_schema_is_in_the_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    models: list[type[BaseModel]] = [
        Document,
        SystemSpec,
        ActionSpec,
        SurfaceSpec,
        AuthoritySpec,
        AuthorityRuleSpec,
        MonitorSpec,
        ReviewSpec,
        TargetSpec,
        CanarySetSpec,
        CanaryCase,
        ContainsCheck,
        RegexCheck,
        LabelCheck,
        ExactCheck,
        JsonSchemaCheck,
    ]
    undocumented = [
        f"{model.__name__}.{key}"
        for model in models
        for key in (field.alias or name for name, field in model.model_fields.items())
        if f"`{key}`" not in text and f"`rules[].{key}`" not in text
    ]
    assert undocumented == []


def test_the_reference_quotes_the_example_in_full() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert f"```yaml\n{EXAMPLE.read_text(encoding='utf-8')}```" in text
