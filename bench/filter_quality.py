"""Precision and recall of the built-in filters on the labelled sets in tests/sdk/data/.

PII (pii.jsonl): a found span counts as a true positive when it overlaps a labelled value
of the same type; every other found span is a false positive; every labelled value not
found is a false negative. Rows without labels are look-alike negatives: "flagged" if the
filter finds anything in them.

Prompt injection (injection.jsonl): an attack row is caught when ``PromptInjection().scan``
(or, for rows marked ``stage: output``, the exfiltration-link output filter) finds anything;
a benign row is flagged when the input filter finds anything. The catch rate is printed per
family and averaged over families.

Each set has a ``dev`` split (tuned on) and a ``test`` split (written apart, not tuned on).

Run: PYTHONPATH=src .venv/bin/python bench/filter_quality.py [--split dev|test|all]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from blastwall.sdk.filters import PII, ExfiltrationLinks, PromptInjection

DATA = Path(__file__).resolve().parent.parent / "tests" / "sdk" / "data"


@dataclass
class PiiScore:
    """Counts per PII type plus the look-alike negatives flagged."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    negatives: int = 0
    negatives_flagged: int = 0


@dataclass
class InjectionScore:
    """Attack rows caught per family, and benign rows flagged."""

    attacks: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    benign: int = 0
    benign_flagged: int = 0

    def family_average(self) -> float:
        rates = [self.caught[f] / n for f, n in self.attacks.items()]
        return sum(rates) / len(rates) if rates else 0.0


def load(name: str, split: str) -> list[dict]:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    return [row for row in rows if split in ("all", row["split"])]


def score_pii(split: str) -> PiiScore:
    pii = PII()
    score = PiiScore()
    for row in load("pii.jsonl", split):
        text = row["text"]
        gold = []
        for entity in row["entities"]:
            start = text.index(entity["value"])
            gold.append((entity["type"], start, start + len(entity["value"])))
        found = pii.scan(text)
        if not gold:
            score.negatives += 1
            score.negatives_flagged += bool(found)
        matched: set[int] = set()
        for match in found:
            hit = next(
                (
                    i
                    for i, (kind, start, end) in enumerate(gold)
                    if kind == match.category and match.start < end and start < match.end
                ),
                None,
            )
            if hit is None or hit in matched:
                score.fp[match.category] += 1
            else:
                matched.add(hit)
                score.tp[match.category] += 1
        for i, (kind, _, _) in enumerate(gold):
            if i not in matched:
                score.fn[kind] += 1
    return score


def score_injection(split: str) -> InjectionScore:
    injection, links = PromptInjection(), ExfiltrationLinks()
    score = InjectionScore()
    for row in load("injection.jsonl", split):
        if row["label"] == "benign":
            score.benign += 1
            score.benign_flagged += bool(injection.scan(row["text"]))
            continue
        flt = links if row.get("stage") == "output" else injection
        score.attacks[row["family"]] += 1
        score.caught[row["family"]] += bool(flt.scan(row["text"]))
    return score


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(split: str) -> None:
    pii = score_pii(split)
    print(f"== PII, split {split}")
    print(f"{'type':12s} {'tp':>5s} {'fp':>4s} {'fn':>4s} {'prec':>6s} {'recall':>6s} {'F1':>6s}")
    for kind in sorted(set(pii.tp) | set(pii.fp) | set(pii.fn)):
        p, r, f = prf(pii.tp[kind], pii.fp[kind], pii.fn[kind])
        counts = f"{pii.tp[kind]:5d} {pii.fp[kind]:4d} {pii.fn[kind]:4d}"
        print(f"{kind:12s} {counts} {p:6.3f} {r:6.3f} {f:6.3f}")
    tp, fp, fn = pii.tp.total(), pii.fp.total(), pii.fn.total()
    p, r, f = prf(tp, fp, fn)
    print(f"{'micro':12s} {tp:5d} {fp:4d} {fn:4d} {p:6.3f} {r:6.3f} {f:6.3f}")
    print(f"look-alike negatives flagged: {pii.negatives_flagged} of {pii.negatives}")

    inj = score_injection(split)
    print(f"== prompt injection, split {split}")
    for family in sorted(inj.attacks):
        rate = inj.caught[family] / inj.attacks[family]
        caught, total = inj.caught[family], inj.attacks[family]
        print(f"{family:22s} caught {caught:4d} of {total:4d}  {rate:6.1%}")
    print(f"{'averaged over families':22s} {inj.family_average():6.1%}")
    rate = inj.benign_flagged / inj.benign if inj.benign else 0.0
    print(f"benign flagged: {inj.benign_flagged} of {inj.benign} ({rate:.1%})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default=None)
    args = parser.parse_args()
    for split in [args.split] if args.split else ["dev", "test"]:
        report(split)
    return 0


if __name__ == "__main__":
    sys.exit(main())
