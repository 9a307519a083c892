"""`blastwall kill | restore | contain | levers`: containment levers (C1-C6) from a terminal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, Client, connect, path
from blastwall.cli.errors import UsageProblem
from blastwall.cli.options import (
    ALL_ENVIRONMENTS,
    AsJson,
    Environment,
    IncidentId,
    Reason,
    Server,
    SystemName,
)

app = typer.Typer()

LEVER_USAGE = (
    "kill, safe_mode, human_fallback, reroute=MODEL, filter=NAME, block-term=TERM, "
    "block-pattern=REGEX, filter-stage=input|output|both, disable-tool=NAME, "
    "retrieval=SRC1,SRC2"
)
# Canonical lever -> (needs a value when switching on, value placeholder and example).
_LEVERS: dict[str, tuple[bool, str]] = {
    "kill": (False, ""),
    "safe_mode": (False, ""),
    "human_fallback": (False, ""),
    "reroute": (True, "MODEL, e.g. reroute=gpt-4o-mini"),
    "filter": (True, "NAME, e.g. filter=pii"),
    "block_term": (True, "TERM, e.g. block-term='chargeback trick'"),
    "block_pattern": (True, "REGEX, e.g. block-pattern='ORD-\\d{6}'"),
    "filter_stage": (True, "input|output|both, e.g. filter-stage=output"),
    "disable_tool": (True, "NAME, e.g. disable-tool=issue_refund"),
    "retrieval": (True, "SRC1,SRC2, e.g. retrieval=kb-public"),
}
_ALIASES = {"killed": "kill", "filters": "filter", "disable_tools": "disable_tool"}


@dataclass(frozen=True)
class Lever:
    """One ``--lever`` argument: its canonical name, optional ``=value``, and whether an
    ``--off`` right after it switches it off."""

    name: str
    value: str | None
    off: bool = False


class _ContainCommand(TyperCommand):
    """Records the order of ``--lever`` and ``--off`` on the command line in ``ctx.meta``.

    Click collects a repeated option into one list and a flag into one bool, losing which
    lever an ``--off`` followed; ``-l human_fallback --off -l safe_mode`` must switch off
    only human_fallback, so the order is read from click's own parser before parsing.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[_ORDER] = [p.name for p in order if p.name in ("lever", "off")]
        return super().parse_args(ctx, args)


_ORDER = "blastwall.contain.order"


def apply_off(levers: list[Lever], order: list[str]) -> list[Lever]:
    """Mark each lever followed by ``--off`` (in command-line ``order``) as switched off.

    Refuses an ``--off`` before any lever and a lever named both on and off, since either
    would leave the responder unsure what the command did.
    """
    marked = list(levers)
    seen = 0
    for name in order:
        if name == "lever":
            seen += 1
        elif seen == 0:
            raise UsageProblem(
                "--off switches off the lever just before it: write it after that lever, "
                "e.g. --lever safe_mode --off"
            )
        else:
            marked[seen - 1] = replace(marked[seen - 1], off=True)
    states: dict[str, set[bool]] = {}
    for lever in marked:
        # Filters and tools are separate items per name; every other lever is one switch.
        key = lever.name
        if lever.name in ("filter", "disable_tool", "block_term", "block_pattern"):
            key = f"{lever.name}={lever.value}"
        states.setdefault(key, set()).add(lever.off)
    for key, seen_states in states.items():
        if len(seen_states) > 1:
            raise UsageProblem(
                f"lever {key!r} is named both on and off: name it once, with --off "
                "right after it to switch it off"
            )
    return marked


def parse_lever(text: str) -> Lever:
    """Parse ``name`` or ``name=value``; raise BadParameter naming the fix."""
    raw, sep, value = text.partition("=")
    name = raw.strip().lower().replace("-", "_")
    name = _ALIASES.get(name, name)
    if name not in _LEVERS:
        raise typer.BadParameter(f"unknown lever {raw.strip()!r}: use one of {LEVER_USAGE}")
    takes_value, example = _LEVERS[name]
    if sep and not takes_value:
        raise typer.BadParameter(
            f"lever {name!r} takes no value: use --lever {name} (add --off to switch it off)"
        )
    if sep and not value.strip():
        raise typer.BadParameter(f"lever {name!r} has an empty value: use {name}={example}")
    return Lever(name, value.strip() if sep else None)


def _levers(values: list[str] | None) -> list[str]:
    if not values:
        raise typer.BadParameter(f"name at least one lever: {LEVER_USAGE}")
    for value in values:
        parse_lever(value)
    return values


def _names(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _add(items: list[str], names: list[str]) -> list[str]:
    return items + [n for n in names if n not in items]


def _remove(items: list[str], names: list[str]) -> list[str]:
    return [i for i in items if i not in names]


def build_set(levers: list[Lever], *, current: dict[str, Any]) -> dict[str, Any]:
    """The ``set`` body for POST /levers; list levers edit the ``current`` lists in place."""
    change: dict[str, Any] = {}
    filters = list(current.get("filters") or [])
    tools = list(current.get("disabled_tools") or [])
    # One term or pattern per --lever: a pattern may hold a comma, so values are not split.
    listed = {
        "block_term": ("filter_terms", list(current.get("filter_terms") or [])),
        "block_pattern": ("filter_patterns", list(current.get("filter_patterns") or [])),
    }
    flags = {"kill": "killed", "safe_mode": "safe_mode", "human_fallback": "human_fallback"}
    for lever in levers:
        off = lever.off
        if lever.name in flags:
            change[flags[lever.name]] = not off
        elif lever.value is None and not off:
            _, example = _LEVERS[lever.name]
            raise UsageProblem(
                f"lever {lever.name!r} needs a value: --lever {lever.name}={example}"
            )
        elif lever.name == "reroute":
            change["reroute_model"] = None if off else lever.value
        elif lever.name == "retrieval":
            change["retrieval_sources"] = None if off else _names(lever.value or "")
        elif lever.name in listed:
            field, items = listed[lever.name]
            value = lever.value or ""
            items[:] = _remove(items, [value]) if off else _add(items, [value])
            change[field] = list(items)
        elif lever.name == "filter_stage":
            change["filter_stage"] = "both" if off else lever.value
        elif lever.name == "filter":
            names = _names(lever.value or "")
            filters = _remove(filters, names) if off else _add(filters, names)
            change["filters"] = filters
        else:
            names = _names(lever.value or "")
            tools = _remove(tools, names) if off else _add(tools, names)
            change["disabled_tools"] = tools
    return change


def describe(state: dict[str, Any]) -> str:
    """The levers in force, in words a responder reads at a glance."""
    parts = []
    if state.get("killed"):
        parts.append("killed")
    if state.get("human_fallback"):
        parts.append("human fallback")
    if state.get("safe_mode"):
        parts.append("safe mode")
    if state.get("reroute_model"):
        parts.append(f"rerouted to {state['reroute_model']}")
    if state.get("filters"):
        parts.append("filters: " + ", ".join(state["filters"]))
    if state.get("filter_terms"):
        parts.append("blocked terms: " + ", ".join(state["filter_terms"]))
    if state.get("filter_patterns"):
        parts.append("blocked patterns: " + ", ".join(state["filter_patterns"]))
    if (state.get("filter_terms") or state.get("filter_patterns")) and state.get(
        "filter_stage", "both"
    ) != "both":
        parts.append(f"blocking on {state['filter_stage']} only")
    if state.get("disabled_tools"):
        parts.append("disabled tools: " + ", ".join(state["disabled_tools"]))
    if state.get("retrieval_sources") is not None:
        sources = ", ".join(state["retrieval_sources"]) or "none"
        parts.append(f"retrieval only from: {sources}")
    return "; ".join(parts) or "normal"


def _where(environment: str) -> str:
    return "all environments" if environment == ALL_ENVIRONMENTS else environment


def _state_in(client: Client, system: str, environment: str) -> dict[str, Any]:
    states = client.list(path("systems", system, "levers"))
    return next((s for s in states if s.get("environment") == environment), {})


def _body(environment: str, reason: str, incident: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"environment": environment, "reason": reason}
    if incident is not None:
        body["incident_id"] = incident
    return body


@app.command(rich_help_panel="Contain")
def kill(
    *,
    system: SystemName,
    reason: Reason = "",
    env: Environment = ALL_ENVIRONMENTS,
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Kill switch (C1): stop SYSTEM serving AI output now."""
    state = connect(server).post(path("systems", system, "kill"), _body(env, reason, incident))
    out.show(state, as_json, lambda s: _report("Killed", system, s))


@app.command(rich_help_panel="Contain")
def restore(
    *,
    system: SystemName,
    reason: Reason = "",
    env: Environment = ALL_ENVIRONMENTS,
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Put every lever of SYSTEM back to normal."""
    state = connect(server).post(path("systems", system, "restore"), _body(env, reason, incident))
    out.show(state, as_json, lambda s: _report("Restored", system, s))


@app.command(rich_help_panel="Contain", cls=_ContainCommand)
def contain(
    ctx: typer.Context,
    *,
    system: SystemName,
    lever: Annotated[
        list[str],
        typer.Option(
            "--lever",
            "-l",
            callback=_levers,
            show_default=False,
            help=f"Lever to pull (repeatable): {LEVER_USAGE}.",
        ),
    ] = [],  # noqa: B006  (Typer reads the default; it is never mutated)
    off: Annotated[
        bool,
        typer.Option(
            "--off", help="Switch off the lever just before it (e.g. -l safe_mode --off)."
        ),
    ] = False,
    reason: Reason = "",
    env: Environment = ALL_ENVIRONMENTS,
    incident: IncidentId = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Pull containment levers (C2-C6) on SYSTEM in one audited change."""
    del off  # read per lever from the command line's order (see _ContainCommand)
    levers = apply_off([parse_lever(text) for text in lever], ctx.meta.get(_ORDER, []))
    client = connect(server)
    lists = any(
        item.name in ("filter", "disable_tool", "block_term", "block_pattern") for item in levers
    )
    current = _state_in(client, system, env) if lists else {}
    body = _body(env, reason, incident) | {"set": build_set(levers, current=current)}
    state = client.post(path("systems", system, "levers"), body)
    out.show(state, as_json, lambda s: _report("Levers set on", system, s))


@app.command("levers", rich_help_panel="Contain")
def show_levers(
    *, system: SystemName, server: Server = DEFAULT_SERVER, as_json: AsJson = False
) -> None:
    """Show the levers in force on SYSTEM, per environment."""
    client = connect(server)
    states = client.list(path("systems", system, "levers"))
    out.show(states, as_json, lambda items: _render(system, items))
    if not as_json:
        kills = client.list(path("models", "kills"))
        if kills:
            prefixes = ", ".join(f"{k['prefix']}*" for k in kills)
            out.line(f"Models killed in every system: {prefixes} (blastwall restore-model)")


@app.command("authority", rich_help_panel="Contain")
def show_authority(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Who may pull which lever on which system without asking anyone (I4)."""
    rules = connect(server).list(path("authority"))
    out.show(
        rules,
        as_json,
        lambda items: out.table(
            ["SUBJECT", "LEVER", "SYSTEM"],
            ([r["subject"], r["lever"], r["system"]] for r in items),
            empty="No authority rules.",
        ),
    )


def _report(verb: str, system: str, state: dict[str, Any]) -> None:
    where = _where(state.get("environment", ALL_ENVIRONMENTS))
    out.success(f"{verb} {system} in {where} (revision {state.get('revision')}): {describe(state)}")
    if state.get("killed") and verb == "Killed":
        out.line(f"Undo with: blastwall restore {system} --reason '...'")


def _render(system: str, states: list[dict[str, Any]]) -> None:
    out.table(
        ["ENV", "LEVERS", "REVISION", "UPDATED", "BY"],
        (
            [
                s.get("environment"),
                describe(s),
                s.get("revision"),
                # Revision 0 is the untouched default: nobody updated it, at no time.
                out.when(s.get("updated_at")) if s.get("revision") else None,
                s.get("updated_by") or None,
            ]
            for s in states
        ),
        empty=f"Every lever on {system} is normal: none has been pulled.",
    )
