"""Cost of a guarded call against a bare OpenTelemetry span, timed in the same run.

Guarded call: ``with guard.call(...) as call: call.set_output(...)`` with the lever check,
the trace and its enqueueing for export; no filters, no model call. The Guard is built as
users build it (defaults: OpenTelemetry spans on when the API is installed) and timed
twice: with no tracer provider configured (the common case, where spans must cost
nothing), then with an OpenTelemetry SDK tracer provider installed globally (the Guard's
span is then real). Baseline: an OpenTelemetry SDK span (start, four attributes, end; no
processor, no exporter). Target: median guarded call <= 0.25 x median span without a
provider.

Also: the same call with 20 blocked terms and 5 patterns carried by the filters lever,
against the plain call in the same rounds. Also: microseconds per KB of text through the
PII and secrets filters, the cost the export thread pays per call to serialise it (off
the caller's path), and the PII and prompt-injection filters per KB of digit-heavy text
and of prose against a plain regex scan of the same text (bench/_filter_cost.py; target
<= 50 us per KB).

Run: .venv/bin/python bench/sdk_overhead.py [--rounds 41] [--per-round 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider

from blastwall.sdk import PII, Guard, Secrets, Stage, run_filters
from blastwall.sdk.events import call_events
from blastwall.sdk.levers.state import WireLeverState
from blastwall.sdk.release import WireRelease, canonical_hash

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _filter_cost import print_filter_costs

TARGET = 0.25


def per_op_ns(fn: Callable[[], None], n: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return (time.perf_counter_ns() - start) / n


def make_span_op() -> Callable[[], None]:
    tracer = TracerProvider().get_tracer("bench")

    def span() -> None:
        s = tracer.start_span("chat gpt-4o-mini")
        s.set_attribute("gen_ai.operation.name", "chat")
        s.set_attribute("gen_ai.request.model", "gpt-4o-mini")
        s.set_attribute("gen_ai.usage.input_tokens", 12)
        s.set_attribute("gen_ai.usage.output_tokens", 3)
        s.end()

    return span


def make_guarded_op(guard: Guard) -> Callable[[], None]:
    def guarded() -> None:
        with guard.call(user_id="u-1", input="Where is my refund?") as call:
            call.set_output("It was sent on Monday.", input_tokens=12, output_tokens=3)

    return guarded


def release_guard(*, with_release: bool = True) -> Guard:
    """A Guard with a release in force (model, prompt, retrieval, config), as followed."""
    guard = Guard(
        system="bench", environment="bench", server="", flush_interval_s=3600, max_queue=10**7
    )
    if not with_release:
        return guard
    contents: dict[str, dict[str, Any]] = {
        "model": {"provider": "openai", "model": "gpt-4o-mini"},
        "prompt": {"template": "You are the support assistant. " * 20},
        "kb": {"sources": ["help-centre", "refund-policy"]},
        "settings": {"temperature": 0.2, "max_tokens": 600},
    }
    kinds = {"model": "model", "prompt": "prompt", "kb": "retrieval", "settings": "config"}
    surfaces = {
        name: {"kind": kinds[name], "version": 3, "hash": canonical_hash(c), "content": c}
        for name, c in contents.items()
    }
    guard.levers_cache.apply_release(
        WireRelease.model_validate(
            {
                "system": "bench",
                "environment": "bench",
                "release": "r7",
                "revision": 1,
                "surfaces": surfaces,
            }
        )
    )
    return guard


def lever_block_guard() -> Guard:
    """A Guard whose filters lever carries 20 blocked terms and 5 patterns (both stages)."""
    guard = Guard(
        system="bench", environment="bench", server="", flush_interval_s=3600, max_queue=10**7
    )
    terms = [f"forbidden phrase {i}" for i in range(20)]
    patterns = [r"ORD-\d{6}", r"refund\s+code\s+\w{8}", r"acct[_-]?\d{10}", "x{3}y", "zz+q"]
    guard.levers_cache.apply(
        [
            WireLeverState(
                system="bench",
                environment="*",
                filter_terms=tuple(terms),
                filter_patterns=tuple(patterns),
                revision=1,
            )
        ]
    )
    return guard


def make_release_op(guard: Guard) -> Callable[[], None]:
    """The guarded call of an app that reads its prompt, model and config from the release."""

    def guarded() -> None:
        with guard.call(user_id="u-1", input="Where is my refund?") as call:
            _ = (call.prompt, call.model, call.surface("settings"))
            call.set_output("It was sent on Monday.", input_tokens=12, output_tokens=3)

    return guarded


def time_against_span(
    guard: Guard, guarded: Callable[[], None], span: Callable[[], None], rounds: int, n: int
) -> tuple[list[float], list[float]]:
    """Per-op ns of the guarded call and the bare span, alternating which goes first."""
    for _ in range(5_000):  # warm up both
        guarded()
        span()
    guard_ns: list[float] = []
    span_ns: list[float] = []
    for round_ in range(rounds):
        # Alternate which goes first so drift in the machine hits both alike.
        if round_ % 2:
            span_ns.append(per_op_ns(span, n))
            guard_ns.append(per_op_ns(guarded, n))
        else:
            guard_ns.append(per_op_ns(guarded, n))
            span_ns.append(per_op_ns(span, n))
        guard.exporter._queue.clear()
    return guard_ns, span_ns


def time_pair(
    first: tuple[Guard, Callable[[], None]],
    second: tuple[Guard, Callable[[], None]],
    rounds: int,
    n: int,
) -> tuple[list[float], list[float]]:
    """Per-op ns of two guarded calls, alternating, both export queues emptied each round."""
    for _ in range(5_000):
        first[1]()
        second[1]()
    times: tuple[list[float], list[float]] = ([], [])
    for round_ in range(rounds):
        order = (0, 1) if round_ % 2 else (1, 0)
        for i in order:
            times[i].append(per_op_ns((first, second)[i][1], n))
        first[0].exporter._queue.clear()
        second[0].exporter._queue.clear()
    return times


def report(label: str, guard_ns: list[float], span_ns: list[float]) -> float:
    """Print medians and the guarded/span ratio of one setting; return the ratio."""
    g, s = statistics.median(guard_ns), statistics.median(span_ns)
    print(f"{label}:")
    for name, values, median in (("guarded call", guard_ns, g), ("otel span", span_ns, s)):
        spread = f"p10 {_pct(values, 10):.0f}, p90 {_pct(values, 90):.0f}"
        print(f"  {name:13s} median {median:9.0f} ns  ({spread})")
    print(f"  ratio guarded/span {g / s:9.3f}")
    return g / s


def sample_text(kb: int, seed: int = 7) -> str:
    """Support-ticket-like text with a little PII and a secret sprinkled in."""
    rng = random.Random(seed)
    words = [
        "the",
        "refund",
        "for",
        "order",
        "was",
        "sent",
        "to",
        "your",
        "account",
        "please",
        "allow",
        "three",
        "to",
        "five",
        "business",
        "days",
        "and",
        "contact",
        "support",
        "if",
        "it",
        "has",
        "not",
        "arrived",
        "by",
        "then",
        "thanks",
    ]
    extras = [
        "jane.doe@example.com",
        "+44 20 7946 0958",
        "4111 1111 1111 1111",
        "GB82 WEST 1234 5698 7654 32",
        "10.0.12.7",
        "AKIAIOSFODNN7EXAMPLE",
    ]
    parts: list[str] = []
    size = 0
    while size < kb * 1024:
        word = rng.choice(extras) if rng.random() < 0.01 else rng.choice(words)
        parts.append(word)
        size += len(word) + 1
    return " ".join(parts)[: kb * 1024]


def filter_us_per_kb(kb: int, repeats: int) -> float:
    filters = [PII(), Secrets()]
    text = sample_text(kb)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        run_filters(filters, text, Stage.input)
        timings.append(time.perf_counter_ns() - start)
    return statistics.median(timings) / 1000 / kb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--per-round", type=int, default=2000)
    args = parser.parse_args()

    # Built as users build it; only the export thread is parked (so it does not compete
    # for the GIL while we time the caller's path; its own cost is measured below) and
    # the queue made large enough to hold every timed call.
    guard = Guard(
        system="bench", environment="bench", server="", flush_interval_s=3600, max_queue=10**7
    )
    guarded = make_guarded_op(guard)
    span = make_span_op()
    without = time_against_span(guard, guarded, span, args.rounds, args.per_round)
    # The same call with a release in force, the app reading prompt, model and config,
    # interleaved with the plain call in the same rounds (the machine drifts between runs).
    # Two fresh Guards built together, so neither is warmer than the other; the release
    # guard timed with the app not reading the release, then reading prompt/model/config.
    fresh, released = release_guard(with_release=False), release_guard()
    release_rows = [
        (
            label,
            *time_pair(
                (released, op), (fresh, make_guarded_op(fresh)), args.rounds, args.per_round
            ),
        )
        for label, op in (
            ("release in force, not read", make_guarded_op(released)),
            ("release in force, prompt/model/config read", make_release_op(released)),
        )
    ]
    released.close()
    fresh.close()
    # The same call with blocked terms and patterns carried by the filters lever (C5).
    plain, blocking = release_guard(with_release=False), lever_block_guard()
    block_ns, unblocked_ns = time_pair(
        (blocking, make_guarded_op(blocking)),
        (plain, make_guarded_op(plain)),
        args.rounds,
        args.per_round,
    )
    blocking.close()
    plain.close()
    # Installing a provider after the Guard exists is what apps that set up tracing late
    # do: the Guard must notice it and emit real spans from then on.
    otel_trace.set_tracer_provider(TracerProvider())
    with_provider = time_against_span(guard, guarded, span, args.rounds, args.per_round)

    with guard.call(user_id="u-1", input="Where is my refund?") as call:
        call.set_output("It was sent on Monday.", input_tokens=12, output_tokens=3)
    serialise_ns = per_op_ns(lambda: call_events(call), 2000)
    guard.close()

    ratio = report("no tracer provider", *without)
    for label, release_ns, plain_ns in release_rows:
        read, plain = statistics.median(release_ns), statistics.median(plain_ns)
        print(
            f"{label}: median {read:.0f} ns vs {plain:.0f} ns without a release "
            f"(+{read - plain:.0f} ns, ratio {read / plain:.3f})"
        )
    blocked, unblocked = statistics.median(block_ns), statistics.median(unblocked_ns)
    print(
        f"lever terms (20) + patterns (5) in force: median {blocked:.0f} ns vs "
        f"{unblocked:.0f} ns without (+{blocked - unblocked:.0f} ns, "
        f"ratio {blocked / unblocked:.3f})"
    )
    report("SDK tracer provider installed", *with_provider)
    verdict = "OK" if ratio <= TARGET else "MISSED"
    print(f"target guarded/span <= {TARGET} without a provider: {verdict}")
    print(
        f"export thread serialises a call in {serialise_ns / 1000:.1f} us (off the caller's path)"
    )
    for kb in (1, 16, 256):
        us = filter_us_per_kb(kb, repeats=max(3, 200 // kb))
        print(f"PII + secrets filters, {kb:3d} KB text: {us:6.1f} us per KB")
    print_filter_costs()  # PII and prompt-injection cost per KB (bench/_filter_cost.py)
    return 0 if ratio <= TARGET else 1


def _pct(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * pct // 100)]


if __name__ == "__main__":
    sys.exit(main())
