"""The guarded call as a pipeline of small steps, in the manner of structlog's processors.

A step is an object with any of four hooks; the Guard calls each hook in pipeline order:

- ``start(call)``: before the model runs (lever check, input filters, fallbacks, spans);
- ``output(call)``: when the app sets the output (output filters may rewrite ``call.output``);
- ``action(call, record)``: before a tool call or downstream action fires (scope, gates);
  a step refuses it with ``record.refuse(reason)`` or ``record.deny(reason, gate=...)``;
- ``end(call)``: after the guarded block (export, span end).

A step that raises is recorded on the call (``call.step_errors``) and skipped: a bug in a
step never takes the application down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blastwall.sdk.call import Call
    from blastwall.sdk.records import GateRecord

HOOKS = ("start", "output", "action", "end")


class Step:
    """Base for steps: override only the hooks you need; the others cost nothing."""

    name = "step"

    def start(self, call: Call) -> None:
        """Before the model runs."""

    def output(self, call: Call) -> None:
        """After the app set ``call.output``."""

    def action(self, call: Call, record: GateRecord) -> None:
        """Before a tool call or downstream action fires."""

    def end(self, call: Call) -> None:
        """After the guarded block."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Bound hooks per phase, only of steps that implement them, so empty phases are free."""

    steps: tuple[Any, ...]
    start: tuple[Callable[[Call], None], ...]
    output: tuple[Callable[[Call], None], ...]
    action: tuple[Callable[[Call, GateRecord], None], ...]
    end: tuple[Callable[[Call], None], ...]

    @classmethod
    def build(cls, steps: Sequence[Any]) -> Pipeline:
        hooks: dict[str, list[Any]] = {hook: [] for hook in HOOKS}
        for step in steps:
            implemented = [h for h in HOOKS if _implements(step, h)]
            if not implemented:
                raise TypeError(
                    f"{step!r} is not a step: give it at least one of the methods "
                    f"{', '.join(HOOKS)} (or subclass blastwall.sdk.Step)"
                )
            for hook in implemented:
                hooks[hook].append(getattr(step, hook))
        return cls(
            steps=tuple(steps),
            start=tuple(hooks["start"]),
            output=tuple(hooks["output"]),
            action=tuple(hooks["action"]),
            end=tuple(hooks["end"]),
        )


def _implements(step: Any, hook: str) -> bool:
    method = getattr(type(step), hook, None)
    return callable(method) and method is not getattr(Step, hook)
