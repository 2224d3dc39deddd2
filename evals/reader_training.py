"""Train the reader from gold sets: feature rows of every candidate sentence, labelled by the gold source.

A sentence is a positive example when it holds a required answer string and lies in a gold source span
(or holds every required string); every sentence of an unanswerable question is negative. The refusal
threshold is chosen on out-of-fold predictions, so it is never fitted on the rows it is judged by.
`python -m evals.reader_training` (or `policyqa train-reader`) writes assistant/data/reader.json.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.reader_model import (
    FEATURES,
    HELPS,
    HURTS,
    JUDGE_FEATURES,
    MODEL_FILE,
    LinearModel,
    ReaderModel,
    asks_figure,
    judge_row,
)
from evals.dataset import GoldCase, Span, load_gold, resolve_spans
from evals.folding import fold
from evals.metrics import span_overlaps

C_REG = 0.003  # inverse L2 strength of the ranker: strong (42 features, ~180 answered questions)
C_JUDGE = 0.03  # the judge sees one row per question (~200): it needs the stronger regularisation
SEED = 20261129
DEFAULT_GOLD = (Path("../shared/evals/dev.jsonl"), Path("../shared/evals/dev2.jsonl"))  # from the repo root


@dataclass
class QuestionRows:
    """One gold question's candidate rows and labels (feature extraction is the slow part: done once)."""

    case: GoldCase
    rows: list[list[float]]
    labels: list[int]


def label(case: GoldCase, sentence: str, para_span: Span, spans: Sequence[Span]) -> int:
    if not case.answerable:
        return 0
    s = fold(sentence)
    held = [m for m in case.must_include if fold(m) in s]
    if held and len(held) == len(case.must_include):
        return 1
    in_source = any(span_overlaps(para_span, src) or span_overlaps(src, para_span) for src in spans)
    return int(bool(held) and in_source)


def collect(
    assistant: Any, cases: Sequence[GoldCase], corpus_dir: Path, progress: bool = True
) -> list[QuestionRows]:
    """Feature rows for every gold question, by the assistant's own analysis, retrieval and reader."""
    from rich.progress import track

    out: list[QuestionRows] = []
    for case in track(cases, description="reader features", disable=not progress):
        spans = resolve_spans(case, corpus_dir)
        q = assistant.analyse(case.question)
        hits = assistant.searcher.search(q.norm, max(10, assistant.top_k))
        cands, rows = assistant.reader.rows(q, hits, assistant.top_k)
        labels = [
            label(case, c.sentence, Span(c.paragraph.source_file, c.paragraph.start, c.paragraph.end), spans)
            for c in cands
        ]
        # Rounded: threaded BLAS sums differ in the last bits between runs; training must not.
        out.append(QuestionRows(case, [[round(v, 4) for v in r] for r in rows], labels))
    return out


def _fit_linear(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c_reg: float) -> LinearModel:
    """Standardised L2 logistic regression with balanced classes and sign-constrained weights (HELPS /
    HURTS in assistant/reader.py), fitted by L-BFGS-B from zero: deterministic for the same data."""
    from scipy.optimize import minimize

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    if len(set(y.tolist())) < 2:  # a degenerate fold: a constant model rather than a crash
        return LinearModel(names, mean, scale, np.zeros(x.shape[1]), 0.0)
    pos = y == 1
    weights = np.where(pos, 0.5 / pos.mean(), 0.5 / (1 - pos.mean()))  # balanced classes
    sign = np.asarray([1 if n in HELPS else -1 if n in HURTS else 0 for n in names])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        m = z @ w + b
        p = 1.0 / (1.0 + np.exp(-m))
        ll = np.sum(weights * (np.logaddexp(0, m) - y * m))
        grad_m = weights * (p - y)
        reg = 0.5 / c_reg
        return ll + reg * float(w @ w), np.append(z.T @ grad_m + 2 * reg * w, grad_m.sum())

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in sign] + [(None, None)]
    res = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return LinearModel(names, mean, scale, res.x[:-1], float(res.x[-1]))


def fit_ranker(data: Sequence[QuestionRows], c_reg: float = C_REG) -> LinearModel:
    """Which sentence answers: trained on the candidates of answerable questions only."""
    rows = [(r, lab) for q in data if q.case.answerable for r, lab in zip(q.rows, q.labels, strict=True)]
    x = np.asarray([r for r, _ in rows], dtype=float)
    y = np.asarray([lab for _, lab in rows], dtype=int)
    return _fit_linear(x, y, FEATURES, c_reg)


def judge_example(ranker: LinearModel, q: QuestionRows) -> tuple[np.ndarray, int] | None:
    """The judge's row for a question (its best sentence under `ranker`) and whether answering is right."""
    if not q.rows:
        return None
    logits = ranker.logits(np.asarray(q.rows, dtype=float))
    best = int(np.argmax(logits))
    return judge_row(logits, best, q.rows[best]), int(q.case.answerable and bool(q.labels[best]))


def out_of_fold_judge_rows(
    data: Sequence[QuestionRows], c_reg: float, k: int
) -> list[tuple[int, np.ndarray, int]]:
    """(question index, judge row, label), each row's ranker trained without that question."""
    out: list[tuple[int, np.ndarray, int]] = []
    for held in folds(len(data), k):
        held_set = set(held)
        ranker = fit_ranker([q for i, q in enumerate(data) if i not in held_set], c_reg)
        for i in held:
            ex = judge_example(ranker, data[i])
            if ex is not None:
                out.append((i, *ex))
    return sorted(out, key=lambda t: t[0])


def choose_threshold(scored: Sequence[tuple[float, bool, bool]]) -> float:
    """The confidence threshold with the most right decisions net of wrong answers, over
    (confidence, best sentence is right, answerable): a right answer or an honest refusal counts +1,
    a wrong answer (a wrong sentence, or any answer to an unanswerable question) -1, a false refusal 0."""
    values: list[tuple[float, int]] = []
    for t in np.linspace(0.05, 0.95, 181):
        value = 0
        for p, right, answerable in scored:
            if p < t:
                value += 0 if answerable else 1
            else:
                value += 1 if answerable and right else -1
        values.append((float(t), value))
    best = max(v for _, v in values)
    ties = [t for t, v in values if v == best]
    return round(ties[len(ties) // 2], 4)  # the middle of the best plateau: stable under small changes


def folds(n: int, k: int = 5, seed: int = SEED) -> list[list[int]]:
    """k folds of question indices, shuffled with a fixed seed."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def _fit_judge(examples: Sequence[tuple[int, np.ndarray, int]], c_reg: float = C_JUDGE) -> LinearModel:
    if not examples:  # no question of this kind in the training set: a judge that says 0.5
        return LinearModel.zeros(JUDGE_FEATURES)
    x = np.asarray([e[1] for e in examples], dtype=float)
    y = np.asarray([e[2] for e in examples], dtype=int)
    return _fit_linear(x, y, JUDGE_FEATURES, c_reg)


def _fit_judges(
    examples: Sequence[tuple[int, np.ndarray, int]], c_reg: float = C_JUDGE
) -> tuple[LinearModel, LinearModel]:
    """(judge of questions asking a figure, judge of the others), each on its own questions."""
    return (
        _fit_judge([e for e in examples if asks_figure(e[1])], c_reg),
        _fit_judge([e for e in examples if not asks_figure(e[1])], c_reg),
    )


def train(
    data: Sequence[QuestionRows], c_reg: float = C_REG, inner_folds: int = 5, judge_c: float = C_JUDGE
) -> ReaderModel:
    """Ranker on all of `data`; judges on out-of-fold ranker rows; threshold on out-of-fold judge scores."""
    examples = out_of_fold_judge_rows(data, c_reg, inner_folds)
    by_question = {e[0]: e for e in examples}
    scored: list[tuple[float, bool, bool]] = []
    for held in folds(len(data), inner_folds, SEED + 1):
        held_set = set(held)
        # scored as the product scores: ReaderModel routes each row to its judge
        judged = ReaderModel(
            LinearModel.zeros(FEATURES),
            *_fit_judges([e for e in examples if e[0] not in held_set], judge_c),
            0.5,
            {},
        )
        for i in held:
            answerable = data[i].case.answerable
            if i in by_question:
                _, row, lab = by_question[i]
                scored.append((judged.confidence(row), bool(lab), answerable))
            else:
                scored.append((0.0, False, answerable))
    judge, judge_other = _fit_judges(examples, judge_c)
    return ReaderModel(fit_ranker(data, c_reg), judge, judge_other, choose_threshold(scored), {})


def data_hash(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def train_to_file(
    assistant: Any, gold: Sequence[Path], corpus_dir: Path, out: Path = MODEL_FILE, progress: bool = True
) -> ReaderModel:
    """The `policyqa train-reader` command: features, fit, threshold, JSON with the training data's hash."""
    cases = [c for path in gold for c in load_gold(path) if getattr(c, "mode", "chat") != "reply"]
    model = train(collect(assistant, cases, corpus_dir, progress))
    meta = {
        "trained_on": [Path(p).name for p in gold],
        "training_data_sha256": data_hash(gold),
        "questions": len(cases),
        "c_reg": C_REG,
        "c_judge": C_JUDGE,
    }
    model = ReaderModel(model.ranker, model.judge, model.judge_other, model.threshold, meta)
    out.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return model


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import sys

    if os.environ.get("PYTHONHASHSEED") != "0":
        # Retrieval breaks near-ties by set order, which Python's per-process hash seed changes: the
        # committed model must be exactly what this command produces, so it always runs with seed 0.
        args = sys.argv[1:] if argv is None else argv
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        os.execve(sys.executable, [sys.executable, "-m", "evals.reader_training", *args], env)

    from assistant.factory import build_assistant
    from assistant.settings import Settings

    p = argparse.ArgumentParser(prog="policyqa train-reader", description=__doc__)
    p.add_argument("--gold", type=Path, nargs="+", default=list(DEFAULT_GOLD))
    p.add_argument("--out", type=Path, default=MODEL_FILE)
    args = p.parse_args(argv)
    settings = Settings()
    model = train_to_file(
        build_assistant(settings, allow_untrained=True), args.gold, settings.corpus_dir, args.out
    )

    def strongest(judge: LinearModel) -> str:
        top = sorted(zip(JUDGE_FEATURES, judge.coef, strict=True), key=lambda fc: -abs(fc[1]))[:4]
        return ", ".join(f"{f} {c:+.2f}" for f, c in top)

    print(
        f"reader: threshold {model.threshold}; strongest judge features, questions asking a figure: "
        f"{strongest(model.judge)}; the others: {strongest(model.judge_other)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
