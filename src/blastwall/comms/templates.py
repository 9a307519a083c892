"""Jinja2 templates for what Blastwall writes to people: status-page updates and user notices.

The shipped templates live in ``comms/templates/<group>/<name>.md.j2``; a file of the same
name under ``BLASTWALL_COMMS_TEMPLATES_DIR/<group>/`` overrides one, and a new name there
adds one. Templates render in Jinja2's sandbox with undefined names refused, so a user's
template can neither reach Python internals nor silently print an empty field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from blastwall.exceptions import InvalidInput

SUFFIX = ".md.j2"
PACKAGED = Path(__file__).parent / "templates"


def _environment(override_dir: Path | None) -> SandboxedEnvironment:
    loaders: list[Any] = []
    if override_dir is not None:
        loaders.append(FileSystemLoader(str(override_dir)))
    loaders.append(PackageLoader("blastwall.comms", "templates"))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,  # plain text and Markdown; each channel escapes for its format
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def names(group: str, override_dir: Path | None = None) -> list[str]:
    """The template names of ``group`` (``updates``, ``notices``), shipped and overriding."""
    found = {p.name.removesuffix(SUFFIX) for p in (PACKAGED / group).glob(f"*{SUFFIX}")}
    if override_dir is not None and (override_dir / group).is_dir():
        found |= {p.name.removesuffix(SUFFIX) for p in (override_dir / group).glob(f"*{SUFFIX}")}
    return sorted(found)


def render(group: str, name: str, context: dict[str, Any], override_dir: Path | None = None) -> str:
    """Fill template ``group/name`` from ``context``; InvalidInput names the known templates
    when ``name`` is not one, or says what a broken override template got wrong."""
    known = names(group, override_dir)
    if name not in known:
        raise InvalidInput(f"no {group} template named {name!r}; choose one of: {', '.join(known)}")
    try:
        template = _environment(override_dir).get_template(f"{group}/{name}{SUFFIX}")
        return template.render(**context).strip() + "\n"
    except TemplateError as exc:
        raise InvalidInput(
            f"the {group} template {name!r} cannot be filled: {exc}; fix the template file "
            "(see docs/communications.md for the fields it may use)"
        ) from exc
