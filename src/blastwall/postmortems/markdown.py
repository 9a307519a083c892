"""A postmortem as one Markdown document: header, each section, the action items."""

from __future__ import annotations

from collections.abc import Sequence

from blastwall.incidents.models import Incident
from blastwall.postmortems.draft import SECTIONS
from blastwall.postmortems.models import ActionItem, Postmortem
from blastwall.postmortems.text import at


def _status(postmortem: Postmortem) -> str:
    parts = [
        f"Status: {postmortem.status}",
        f"drafted {at(postmortem.drafted_at)} by {postmortem.drafted_by}",
    ]
    if postmortem.submitted_at is not None:
        parts.append(f"submitted {at(postmortem.submitted_at)} by {postmortem.submitted_by}")
    if postmortem.published_at is not None:
        parts.append(f"published {at(postmortem.published_at)} by {postmortem.published_by}")
    return "; ".join(parts) + "."


def _items(items: Sequence[ActionItem]) -> list[str]:
    if not items:
        return ["None yet: `blastwall actions add` records one."]
    lines = ["| # | Title | Category | Owner | Due | Status |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {i.id} | {i.title} | {i.category} | {i.owner} | {i.due.isoformat()} | {i.status} |"
        for i in items
    ]
    return lines


def render(
    postmortem: Postmortem,
    incident: Incident,
    sections: dict[str, str],
    items: Sequence[ActionItem],
) -> str:
    """The whole document; ``sections`` is the body (edits over drafted text)."""
    lines = [
        f"# Postmortem: incident {incident.id}, {incident.title}",
        "",
        _status(postmortem),
    ]
    for key, title in SECTIONS:
        lines += ["", f"## {title}", "", sections.get(key, "")]
    lines += ["", "## Action items", "", *_items(items)]
    return "\n".join(lines) + "\n"
