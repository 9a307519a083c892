"""Run a callback as soon as the server is told to stop (SIGTERM or Ctrl-C).

uvicorn waits for open responses to finish before it runs the app's lifespan shutdown, so
a lever stream (which never finishes on its own) kept ``blastwall serve`` alive for as
long as an SDK held it. Chaining onto uvicorn's own signal handler lets the app end its
streams the moment the signal arrives; uvicorn's handling then goes on as before.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)
_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


@contextmanager
def on_stop_signal(callback: Callable[[], None]) -> Iterator[None]:
    """While open, call ``callback`` on SIGINT or SIGTERM, then the handler installed before.

    Signals can only be handled in the main thread; elsewhere (a server run in a test
    thread) this does nothing. ``callback`` runs in a signal handler: it must only hand the
    work to the event loop (``loop.call_soon_threadsafe``) or set flags.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, _Handler] = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def handle(sig: int, frame: FrameType | None) -> None:
        callback()
        before = previous[sig]
        if callable(before):
            before(sig, frame)
        elif before == signal.SIG_DFL:
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)

    for sig in SIGNALS:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handle:
                signal.signal(sig, before)
