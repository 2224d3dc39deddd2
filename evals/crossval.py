"""Honest figures: the reader trained and its threshold chosen on some questions, measured on others.

`python -m evals.crossval` (or `policyqa eval-cv`) runs k-fold cross-validation over the union of the
gold sets (folds by question, fixed seed) and a "chosen on the first set, measured on the rest" row,
and writes a JSON report plus a Markdown table for docs/evals.md. With `--repeats N` the k-fold split is
redrawn N times (seeds SEED, SEED+1000, ...): on ~240 questions one split's figures move by a few points
with the split alone, so a change is judged by the mean over splits, not by one split.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals import metrics
from evals.dataset import GoldCase, load_gold
from evals.reader_training import DEFAULT_GOLD, SEED, QuestionRows, collect, folds, train
from evals.report import write_report
from evals.runner import run_eval

HEADLINE: tuple[str, ...] = (
    "answer_accuracy",
    "citation_precision",
    "refusal_accuracy",
    "false_refusal_rate",
    "ungrounded_numbers",
    "retrieval_hit_at_1",
    "retrieval_hit_at_5",
    "mrr",
)
WORSE_IS_HIGHER = {"false_refusal_rate", "ungrounded_numbers"}


def measure(
    assistant: Any, train_rows: Sequence[QuestionRows], test: Sequence[GoldCase], corpus_dir: Path
) -> dict[str, Any]:
    """Train on `train_rows`, answer `test` with that reader, return the eval report of `test`."""
    assistant.use_reader(train(train_rows))
    return run_eval(assistant.ask, list(test), corpus_dir, progress=False)


def crossval(
    assistant: Any, cases: Sequence[GoldCase], corpus_dir: Path, k: int = 5, repeats: int = 1
) -> dict[str, Any]:
    """k-fold CV with the fixed seed (its folds are the table's rows); with `repeats` > 1 the split is
    redrawn with further seeds and each split's pooled figures are kept under "repeats"."""
    data = collect(assistant, cases, corpus_dir)
    runs = [_one_split(assistant, data, cases, corpus_dir, k, SEED + 1000 * r) for r in range(repeats)]
    first = runs[0]
    reports = first["reports"]
    return {
        "folds": [{m: r.get(m) for m in (*HEADLINE, "n")} for r in reports],
        "mean": {m: _mean([r.get(m) for r in reports]) for m in HEADLINE},
        "worst": {m: _worst(m, [r.get(m) for r in reports]) for m in HEADLINE},
        "pooled": first["pooled"],
        "per_question": first["per_question"],
        "repeats": [{"seed": r["seed"], **{m: r["pooled"].get(m) for m in HEADLINE}} for r in runs],
    }


def _one_split(
    assistant: Any,
    data: Sequence[QuestionRows],
    cases: Sequence[GoldCase],
    corpus_dir: Path,
    k: int,
    seed: int,
) -> dict[str, Any]:
    reports = []
    for i, held in enumerate(folds(len(cases), k, seed), 1):
        held_set = set(held)
        report = measure(
            assistant,
            [q for j, q in enumerate(data) if j not in held_set],
            [cases[j] for j in held],
            corpus_dir,
        )
        print(
            f"seed {seed} fold {i}/{k}: " + " ".join(f"{m}={_fmt(report.get(m))}" for m in HEADLINE[:5]),
            flush=True,
        )
        reports.append(report)
    per_question = [row for r in reports for row in r["per_question"]]
    return {
        "seed": seed,
        "reports": reports,
        "pooled": metrics.summarize(per_question),
        "per_question": per_question,
    }


def transfer(
    assistant: Any, train_cases: Sequence[GoldCase], test_cases: Sequence[GoldCase], corpus_dir: Path
) -> dict[str, Any]:
    """Chosen on one set only, measured on another."""
    return measure(
        assistant, collect(assistant, train_cases, corpus_dir, progress=False), test_cases, corpus_dir
    )


def _mean(values: list[Any]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _worst(metric: str, values: list[Any]) -> float | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return max(vals) if metric in WORSE_IS_HIGHER else min(vals)


def _mean_sd(values: list[Any]) -> str:
    vals = [float(v) for v in values if v is not None]
    return f"{statistics.fmean(vals):.3f} ± {statistics.pstdev(vals):.3f}" if vals else "n/a"


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def markdown(cv: dict[str, Any], transfer_row: dict[str, Any] | None, names: Sequence[str], k: int) -> str:
    head = "| rows | " + " | ".join(HEADLINE) + " |"
    lines = [head, "|" + "---|" * (len(HEADLINE) + 1)]
    lines.append(
        f"| {k}-fold CV mean ({' ∪ '.join(names)}) | "
        + " | ".join(_fmt(cv["mean"][m]) for m in HEADLINE)
        + " |"
    )
    lines.append(f"| {k}-fold CV worst fold | " + " | ".join(_fmt(cv["worst"][m]) for m in HEADLINE) + " |")
    for i, f in enumerate(cv["folds"], 1):
        lines.append(f"| fold {i} (n={f['n']}) | " + " | ".join(_fmt(f[m]) for m in HEADLINE) + " |")
    reps = cv.get("repeats", [])
    if len(reps) > 1:
        lines.append(
            f"| {k}-fold CV, pooled, mean ± sd of {len(reps)} splits | "
            + " | ".join(_mean_sd([r.get(m) for r in reps]) for m in HEADLINE)
            + " |"
        )
    if transfer_row is not None:
        lines.append(
            f"| chosen on {names[0]} only, measured on {', '.join(names[1:])} | "
            + " | ".join(_fmt(transfer_row.get(m)) for m in HEADLINE)
            + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from assistant.factory import build_assistant
    from assistant.settings import Settings

    p = argparse.ArgumentParser(prog="policyqa eval-cv", description=__doc__)
    p.add_argument("--gold", type=Path, nargs="+", default=list(DEFAULT_GOLD))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=1, help="redraw the k-fold split this many times")
    p.add_argument("--out", type=Path, default=Path("report-cv.json"))
    p.add_argument("--markdown", type=Path, default=None)
    args = p.parse_args(argv)
    started = time.perf_counter()
    settings = Settings()
    assistant = build_assistant(settings)
    sets = [load_gold(g) for g in args.gold]
    cases = [c for s in sets for c in s if getattr(c, "mode", "chat") != "reply"]
    cv = crossval(assistant, cases, settings.corpus_dir, args.folds, max(1, args.repeats))
    tr = (
        transfer(assistant, sets[0], [c for s in sets[1:] for c in s], settings.corpus_dir)
        if len(sets) > 1
        else None
    )
    names = [g.name for g in args.gold]
    table = markdown(cv, tr, names, args.folds)
    write_report({"cv": cv, "transfer": tr, "gold": [str(g) for g in args.gold]}, args.out)
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    print(table)
    print(
        f"cross-validation: {len(cases)} questions, {args.folds} folds x {max(1, args.repeats)} splits, "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
