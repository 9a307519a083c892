"""The house's layering: lower domains never import the ones above them.

``levers``, ``registry`` and ``detect`` sit below ``incidents``: they describe their
changes (``changes.record``) and ask questions (``changes.references``); incidents
subscribes and answers, in ``blastwall.wiring``. ``incidents`` in turn never imports
``levers``. Imports are read with ``ast``, so one inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "blastwall"

# (importing package, imported package it must not reach)
FORBIDDEN = [
    ("blastwall.levers", "blastwall.incidents"),
    ("blastwall.registry", "blastwall.incidents"),
    ("blastwall.detect", "blastwall.incidents"),
    ("blastwall.incidents", "blastwall.levers"),
    ("blastwall.registry", "blastwall.levers"),
    ("blastwall.registry", "blastwall.detect"),
    # postmortems read the record of every domain below them; none of those reads back.
    *[
        (f"blastwall.{lower}", "blastwall.postmortems")
        for lower in ("incidents", "detect", "registry", "levers", "canaries", "blastradius")
    ],
    # The communications ledger sits below notify: the dispatcher appends to it.
    ("blastwall.comms", "blastwall.notify"),
    ("blastwall.comms", "blastwall.incidents"),
    ("blastwall.notify", "blastwall.updates"),
    ("blastwall.notify", "blastwall.notices"),
]


def imported_modules(source: str, module: str) -> set[str]:
    """What ``source`` (the text of ``module``) imports, as absolute dotted names, anywhere."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            # Name what each alias imports, so ``from blastwall import incidents`` counts.
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


def _reaches(imported: str, package: str) -> bool:
    return imported == package or imported.startswith(package + ".")


def violations(root: Path) -> list[str]:
    """``file imports module`` for each import that runs up the house, as found under root."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).as_posix()
        module = relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        imports = imported_modules(path.read_text(encoding="utf-8"), module)
        for lower, higher in FORBIDDEN:
            if _reaches(module, lower):
                found += [f"{relative} imports {m}" for m in sorted(imports) if _reaches(m, higher)]
    return found


def test_lower_domains_do_not_import_the_ones_above() -> None:
    assert violations(PACKAGE) == []


@pytest.mark.parametrize(
    "line",
    [
        "from blastwall.incidents.models import Incident",
        "from blastwall.incidents import timeline",
        "from blastwall import incidents",
        "import blastwall.incidents.service",
        "def f():\n    from blastwall.incidents import service",
    ],
)
def test_an_upward_import_in_any_form_is_caught(tmp_path: Path, line: str) -> None:
    levers = tmp_path / "blastwall" / "levers"
    levers.mkdir(parents=True)
    (levers / "service.py").write_text(line + "\n", encoding="utf-8")
    [found] = violations(tmp_path / "blastwall")
    assert found.startswith("blastwall/levers/service.py imports blastwall.incidents")


def test_relative_imports_are_resolved_before_checking(tmp_path: Path) -> None:
    incidents = tmp_path / "blastwall" / "incidents"
    incidents.mkdir(parents=True)
    (incidents / "service.py").write_text("from ..levers import service\n", encoding="utf-8")
    assert violations(tmp_path / "blastwall") == [
        "blastwall/incidents/service.py imports blastwall.levers.service"
    ]
