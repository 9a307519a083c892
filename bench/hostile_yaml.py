"""Reading blastwall.yaml: the cost of the YAML 1.2 loader and its limits, and hostile files.

Baseline in the same run: PyYAML's ``yaml.compose`` of the same text (the parse every
loader does).  Prints, for the example file, the full ``load_text`` (limits, line map,
validation) as a ratio of that baseline; for each hostile file, the time and the peak
Python memory (tracemalloc) until the one-line refusal, with a 10 s cap.

    .venv/bin/python bench/hostile_yaml.py
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import yaml

from blastwall.config_as_code import yaml_core
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "blastwall.yaml"


def _best(function: object, text: str, repeat: int = 20) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function(text)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def _laughs() -> str:
    lines = ["version: 1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "billion laughs (9 levels of 9 aliases)": _laughs(),
    "50,000-deep list": "version: 1\nx: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "NUL character": 'version: 1\nx: "a\x00b"\n',
    "3 MB file": "version: 1\n" + "# padding\n" * 300_000,
}


def _refusal(text: str) -> str:
    try:
        load_text(text, file="hostile.yaml")
    except ConfigError as exc:
        return str(exc).splitlines()[0][:90]
    return "accepted (!)"


def main() -> None:
    text = EXAMPLE.read_text()
    baseline = _best(yaml.compose, text)
    ours = _best(load_text, text)
    core = _best(yaml_core.safe_load, text)
    print(f"example ({len(text):,} bytes): yaml.compose {baseline * 1e3:.2f} ms (baseline)")
    print(f"  yaml_core.safe_load {core * 1e3:.2f} ms, ratio {core / baseline:.2f}")
    print(
        f"  load_text (limits + line map + validation) {ours * 1e3:.2f} ms, "
        f"ratio {ours / baseline:.2f}"
    )
    for name, hostile in HOSTILE.items():
        started = time.perf_counter()
        outcome = _refusal(hostile)
        elapsed = time.perf_counter() - started
        # Memory in a second pass: tracemalloc slows Python code several times over.
        tracemalloc.start()
        _refusal(hostile)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name}: {elapsed * 1e3:.1f} ms, peak {peak / 2**20:.1f} MiB -> {outcome}")


if __name__ == "__main__":
    main()
