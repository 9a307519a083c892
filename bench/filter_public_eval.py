"""Catch rates of the built-in prompt-injection filters on public red-team material.

Reads a JSON-lines file given on the command line (never committed: public suites are
fetched and assembled outside the repository), one row per prompt:
``{"family": ..., "source": ..., "label": "attack" | "benign", "text": ...}``.
An attack row is caught when ``PromptInjection().scan`` finds anything, or, for the
``exfiltration`` family, when the ``ExfiltrationLinks`` output filter does (a link that
carries data out is an output finding too). A benign row is flagged when the input
filter finds anything.

Rows are split in two halves by a hash of their text: ``tune`` (looked at while changing
the rules) and ``report`` (only counted), so the printed ``report`` figures are not the
ones the rules were fitted to. No timing here: costs are in ``_filter_cost.py``.

Run: PYTHONPATH=src .venv/bin/python bench/filter_public_eval.py PATH [--split tune|report|all]
     [--misses FAMILY] [--flagged]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

from blastwall.sdk.filters import ExfiltrationLinks, PromptInjection


def split_of(text: str) -> str:
    """Half of the material a row belongs to: stable across runs and machines."""
    return (
        "tune"
        if hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[0] % 2
        else "report"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="JSON-lines file of public prompts")
    parser.add_argument("--split", choices=("tune", "report", "all"), default="report")
    parser.add_argument("--misses", metavar="FAMILY", help="print the attacks of FAMILY missed")
    parser.add_argument("--flagged", action="store_true", help="print the benign rows flagged")
    args = parser.parse_args(argv)
    try:
        rows = [
            json.loads(line) for line in args.path.read_text(encoding="utf-8").split("\n") if line
        ]
    except (OSError, ValueError) as exc:
        parser.error(f"cannot read {args.path}: {exc} (expected one JSON object per line)")
    injection, links = PromptInjection(), ExfiltrationLinks()
    attacks: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    benign: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for row in rows:
        text, family = row["text"], row["family"]
        if args.split != "all" and split_of(text) != args.split:
            continue
        found = bool(injection.scan(text))
        if row["label"] == "benign":
            benign[family] += 1
            flagged[family] += found
            if found and args.flagged:
                print(f"FLAGGED [{row['source']}] {text[:300]!r}")
            continue
        if not found and family == "exfiltration":
            found = bool(links.scan(text))
        attacks[family] += 1
        caught[family] += found
        if not found and args.misses == family:
            print(f"MISS [{row['source']}] {text[:400]!r}")
    print(f"split: {args.split}")
    for family, total in sorted(attacks.items()):
        print(f"  {family:14} {caught[family]:5} / {total:5} caught ({caught[family] / total:.1%})")
    rates = [caught[f] / n for f, n in attacks.items()]
    if rates:
        total_caught, total = sum(caught.values()), sum(attacks.values())
        print(f"  averaged over families: {sum(rates) / len(rates):.1%}; overall "
              f"{total_caught} / {total} ({total_caught / total:.1%})")  # fmt: skip
    for family, total in sorted(benign.items()):
        share = flagged[family] / total
        print(f"  benign {family:14} {flagged[family]:5} / {total:5} flagged ({share:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
