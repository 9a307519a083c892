"""Cost of the input_embedding signal per input, against baselines measured in the same run.

Builds N distinct support-ticket texts (distinct, so neither the batch de-duplication nor
the embedding cache helps: the worst case), puts them in a batch of trace rows as the
engine reads them, and times, best of ``--repeat`` runs, the cache emptied before each:

* ``model.encode`` alone on the same texts (the model's own cost, the floor);
* the ``input_embedding`` signal's whole path (``signals.observe``: checks, de-duplication,
  embedding, hashing into 2^4 buckets, labels), and with anchors (nearest topic);
* the same path on texts repeated 10 times each (the de-duplication at work);
* the ``input_category`` signal on the same rows (what a cheap signal costs).

Prints inputs/s, milliseconds per 1,000 inputs and the ratios.  The model loads once (its
load time is printed, not counted).  Needs ``pip install 'blastwall[embeddings]'``.

Run: .venv/bin/python bench/embedding_monitor.py [--inputs 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from blastwall.detect import embeddings
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.signals import Rows, Spec, observe, parse_params, trace_columns

TOPICS = (
    "I forgot my password for the {account} account, order {order}, please help me reset it",
    "I want a refund for order {order} on my {account} account, it arrived broken",
    "Where is my parcel {order}? The {account} tracking page has not moved for a week",
    "Can I change the delivery address of order {order} to my {account} office?",
    "Why was my card charged twice for order {order} on the {account} plan?",
)
ACCOUNTS = ("work", "personal", "family", "premium", "student")
ANCHORS = {
    "password": ["I forgot my password and cannot log in"],
    "refund": ["I want my money back for this order"],
    "delivery": ["Where is my parcel?"],
}


def texts(n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    found = []
    for index in range(n):
        template = TOPICS[rng.integers(len(TOPICS))]
        account = ACCOUNTS[rng.integers(len(ACCOUNTS))]
        found.append(template.format(account=account, order=100_000 + index))  # all distinct
    return found


def rows(inputs: list[str], names: tuple[str, ...]) -> Rows:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    values = {
        "system": "bench",
        "environment": "prod",
        "decision": "proceed",
        "outcome": "ok",
        "canary": False,
    }
    table = []
    for index, text in enumerate(inputs):
        at = t0 + timedelta(milliseconds=index)
        row = {
            **values,
            "id": index + 1,
            "at": at,
            "received_at": at,
            "trace_id": f"t{index}",
            "input_text": text,
            "attributes": {"topic": text.split()[2]},
        }
        table.append(tuple(row[n] for n in names))
    return Rows.of(names, table)


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        embeddings._cache.clear()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    embeddings.encode(["warm up"])
    print(f"model load (once per process): {time.perf_counter() - start:.1f} s")

    hashed = Spec(Signal.input_embedding, parse_params(Signal.input_embedding, {}), None)
    anchored = Spec(
        Signal.input_embedding, parse_params(Signal.input_embedding, {"anchors": ANCHORS}), None
    )
    category = Spec(
        Signal.input_category, parse_params(Signal.input_category, {"attribute": "topic"}), None
    )
    names = trace_columns([hashed, category])
    inputs = texts(args.inputs)
    batch = rows(inputs, names)
    repeated = rows([t for t in inputs[: args.inputs // 10] for _ in range(10)], names)
    positions = np.arange(len(batch), dtype=np.int64)

    timings = {
        "model.encode alone": best(args.repeat, lambda: embeddings.encode(inputs)),
        "input_embedding, buckets": best(args.repeat, lambda: observe(hashed, batch, positions)),
        "input_embedding, anchors": best(args.repeat, lambda: observe(anchored, batch, positions)),
        "input_embedding, 10x repeats": best(
            args.repeat, lambda: observe(hashed, repeated, positions)
        ),
        "input_category": best(args.repeat, lambda: observe(category, batch, positions)),
    }
    n = args.inputs
    print(f"{n} distinct inputs, best of {args.repeat}, torch threads: 1")
    print(f"{'path':<32}{'inputs/s':>12}{'ms per 1,000':>15}{'x encode':>10}")
    for name, seconds in timings.items():
        print(
            f"{name:<32}{n / seconds:>12,.0f}{seconds / n * 1e6:>15,.1f}"
            f"{seconds / timings['model.encode alone']:>10.2f}"
        )
    ratio = timings["input_embedding, buckets"] / timings["input_category"]
    print(f"input_embedding costs {ratio:,.0f}x input_category per input")


if __name__ == "__main__":
    main()
