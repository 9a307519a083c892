"""``@guard.guarded``: a function that runs only when the levers allow it, sync or async."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from blastwall.sdk.guard import Guard

F = TypeVar("F", bound=Callable[..., Any])


def guarded(guard: Guard, func: F, *, model: str | None = None) -> F:
    """``func(call, *args, **kw)`` wrapped as ``answer(input, *args, user_id=, trace_id=, **kw)``
    returning ``func``'s result after output filters, or the fallback answer."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(
            input: Any,
            *args: Any,
            user_id: str | None = None,
            trace_id: str | None = None,
            **kwargs: Any,
        ) -> Any:
            async with guard.call(
                user_id=user_id, input=input, trace_id=trace_id, model=model
            ) as call:
                if call.should_run:
                    result = await func(call, *args, **kwargs)
                    if not call.output_set:
                        call.set_output(result)
            return call.output

        return run_async  # type: ignore[return-value]

    @functools.wraps(func)
    def run(
        input: Any,
        *args: Any,
        user_id: str | None = None,
        trace_id: str | None = None,
        **kwargs: Any,
    ) -> Any:
        with guard.call(user_id=user_id, input=input, trace_id=trace_id, model=model) as call:
            if call.should_run:
                result = func(call, *args, **kwargs)
                if not call.output_set:
                    call.set_output(result)
        return call.output

    return run  # type: ignore[return-value]
