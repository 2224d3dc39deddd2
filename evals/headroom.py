"""How far the reader's features can go: the ranker's and judge's learning curve, and the best trade-off
between false refusals and wrong answers, measured out of fold and, as an upper bound, in sample.

A proxy of the product (the ranker's first sentence and the judge's confidence, without the post-judge
gates and the composer), fast enough to answer "would more gold questions, or a looser fit, reach issue
11's bars?" `python -m evals.headroom --markdown headroom.md` (~30 s on 2 cores).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.reader_model import ReaderModel
from evals.reader_training import C_JUDGE, C_REG, SEED, QuestionRows, folds, judge_example, train

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class Decision:
    """One question under one trained reader: the judge's confidence in its best sentence."""

    confidence: float
    answerable: bool
    right_first: bool  # the ranker's first sentence holds the answer


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    accuracy: float  # answerable questions answered with a right first sentence
    false_refusals: float  # answerable questions refused
    refusals: float  # unanswerable questions refused


def decide(model: ReaderModel, q: QuestionRows) -> Decision:
    example = judge_example(model.ranker, q)
    if example is None:
        return Decision(0.0, q.case.answerable, False)
    row, right = example
    return Decision(model.confidence(row), q.case.answerable, bool(right))


def operating_points(decisions: Sequence[Decision], thresholds: Sequence[float]) -> list[OperatingPoint]:
    answerable = [d for d in decisions if d.answerable]
    unanswerable = [d for d in decisions if not d.answerable]
    return [
        OperatingPoint(
            t,
            _share(answerable, lambda d, t=t: d.confidence >= t and d.right_first),
            _share(answerable, lambda d, t=t: d.confidence < t),
            _share(unanswerable, lambda d, t=t: d.confidence < t),
        )
        for t in thresholds
    ]


def _share(items: Sequence[Decision], keep: Callable[[Decision], bool]) -> float:
    return sum(1 for d in items if keep(d)) / len(items) if items else 0.0


def auc(decisions: Sequence[Decision]) -> float:
    """How well the confidence ranks answerable questions above unanswerable ones (ties count half)."""
    from sklearn.metrics import roc_auc_score

    labels = [d.answerable for d in decisions]
    if all(labels) or not any(labels):
        return float("nan")
    return float(roc_auc_score(labels, [d.confidence for d in decisions]))


def out_of_fold(data: Sequence[QuestionRows], k: int, repeats: int) -> list[Decision]:
    """Every question decided by readers trained without it, over `repeats` redrawn k-fold splits."""
    out: list[Decision] = []
    for r in range(repeats):
        for held in folds(len(data), k, SEED + 1000 * r):
            held_set = set(held)
            model = train([q for i, q in enumerate(data) if i not in held_set])
            out.extend(decide(model, data[i]) for i in held)
    return out


def in_sample(data: Sequence[QuestionRows], c_reg: float, judge_c: float) -> list[Decision]:
    """Every question decided by a reader trained on all of them: what the features can fit at best."""
    model = train(list(data), c_reg=c_reg, judge_c=judge_c)
    return [decide(model, q) for q in data]


def _points_table(title: str, decisions: Sequence[Decision]) -> list[str]:
    lines = [
        f"| {title} | threshold | answered right | false refusals | refusal accuracy |",
        "|---|---|---|---|---|",
    ]
    for p in operating_points(decisions, THRESHOLDS):
        cells = (p.accuracy, p.false_refusals, p.refusals)
        lines.append(f"| | {p.threshold:.2f} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    return lines


def report(data: Sequence[QuestionRows], repeats: int = 3) -> str:
    n = len(data)
    lines = [
        "| folds | training questions | first sentence right (answerable) | judge AUC (answerable vs not) |",
        "|---|---|---|---|",
    ]
    for k in (2, 3, 5, 10):
        d = out_of_fold(data, k, repeats)
        right = _share([x for x in d if x.answerable], lambda x: x.right_first)
        lines.append(f"| {k} | {n - n // k} | {right:.3f} | {auc(d):.3f} |")
    lines.append("")
    lines += _points_table("out of fold, 5 folds", out_of_fold(data, 5, repeats))
    lines.append("")
    for c_reg, c_judge in ((C_REG, C_JUDGE), (10.0, 100.0)):
        d = in_sample(data, c_reg, c_judge)
        right = _share([x for x in d if x.answerable], lambda x: x.right_first)
        lines += _points_table(
            f"in sample, C {c_reg:g} / {c_judge:g}: first right {right:.3f}, AUC {auc(d):.3f}", d
        )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import time
    from pathlib import Path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.factory import build_assistant
    from assistant.settings import Settings
    from evals.dataset import load_gold
    from evals.reader_training import DEFAULT_GOLD, collect

    p = argparse.ArgumentParser(prog="python -m evals.headroom", description=__doc__)
    p.add_argument("--gold", type=Path, nargs="+", default=list(DEFAULT_GOLD))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--markdown", type=Path)
    args = p.parse_args(argv)
    start = time.perf_counter()
    settings = Settings()
    cases = [c for path in args.gold for c in load_gold(path) if c.mode != "reply"]
    data = collect(build_assistant(settings, allow_untrained=True), cases, settings.corpus_dir)
    text = report(data, args.repeats)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"headroom: {len(data)} questions, {args.repeats} splits, {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
