"""The trained reader: labels, threshold choice, folds, the model file, and honest (cross-validated) bars."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.reader_model import FEATURES, JUDGE_FEATURES, MODEL_FILE, LinearModel, ReaderModel
from evals.dataset import GoldCase, Span, load_gold
from evals.reader_training import choose_threshold, folds, label

# The gold sets beside the project (../shared), else the copies the repo carries (a clone elsewhere).
_HERE = Path(__file__).resolve()
SHARED = next(
    d
    for d in (_HERE.parents[3] / "shared" / "evals", _HERE.parents[1] / "data")
    if (d / "dev.jsonl").is_file() and (d / "dev2.jsonl").is_file()
)


def _case(**kw: object) -> GoldCase:
    base = {"id": "x", "question": "q", "type": "ratio", "must_include": ["10%"], "source_file": "a.txt"}
    base |= {"source_quote": "自付比不超10%"}
    return GoldCase.model_validate(base | kw)


def test_label_needs_the_answer_string_inside_the_source() -> None:
    case = _case()
    src = [Span("a.txt", 100, 120)]
    assert label(case, "住院自付比不超10%。", Span("a.txt", 90, 130), src) == 1
    assert label(case, "住院自付比不超10%。", Span("b.txt", 90, 130), src) == 1  # holds every string
    assert label(case, "报销比例为90%。", Span("a.txt", 90, 130), src) == 0
    two = _case(must_include=["10%", "8%"])
    assert label(two, "县内自付10%。", Span("a.txt", 90, 130), src) == 1  # one part, in the source
    assert label(two, "县内自付10%。", Span("b.txt", 0, 10), src) == 0  # one part, elsewhere
    assert (
        label(_case(type="unanswerable", must_include=[]), "自付比不超10%", Span("a.txt", 90, 130), src) == 0
    )


def test_threshold_prefers_refusing_over_wrong_answers() -> None:
    # (confidence, best sentence right, answerable): below 0.6 everything is wrong, above right.
    scored = [(0.9, True, True)] * 5 + [(0.5, False, True)] * 3 + [(0.5, False, False)] * 3
    assert 0.5 < choose_threshold(scored) <= 0.9
    assert choose_threshold([(0.8, True, True), (0.3, False, False)]) <= 0.8


def test_folds_are_disjoint_cover_everything_and_are_fixed() -> None:
    parts = folds(23, 5)
    assert sorted(i for p in parts for i in p) == list(range(23))
    assert parts == folds(23, 5)
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1


def test_model_json_round_trip_and_feature_check() -> None:
    rng = np.random.default_rng(0)
    ranker = LinearModel(
        FEATURES, rng.random(len(FEATURES)), np.ones(len(FEATURES)), rng.random(len(FEATURES)), 0.1
    )
    judge = LinearModel.zeros(JUDGE_FEATURES)
    other = LinearModel(
        JUDGE_FEATURES,
        np.zeros(len(JUDGE_FEATURES)),
        np.ones(len(JUDGE_FEATURES)),
        rng.random(len(JUDGE_FEATURES)),
        0.3,
    )
    model = ReaderModel(ranker, judge, other, 0.42, {"questions": 3})
    back = ReaderModel.from_json(json.loads(json.dumps(model.to_json())))
    assert back.threshold == 0.42 and back.meta["questions"] == 3
    assert np.allclose(back.ranker.coef, ranker.coef, atol=1e-6)
    assert np.allclose(back.judge_other.coef, other.coef, atol=1e-6)
    # a question asking a figure meets the first judge, any other question the second
    row = np.zeros(len(JUDGE_FEATURES))
    row[JUDGE_FEATURES.index("asks_numeric")] = 1.0
    assert back.judge_for(row) is back.judge and back.confidence(row) == pytest.approx(0.5)
    row[JUDGE_FEATURES.index("asks_numeric")] = 0.0
    assert back.judge_for(row) is back.judge_other
    assert back.confidence(row) == pytest.approx(float(1 / (1 + np.exp(-0.3))))
    data = model.to_json()
    data["ranker"]["features"] = [*FEATURES[:-1], "renamed"]  # type: ignore[index]
    with pytest.raises(ValueError, match="train-reader"):
        ReaderModel.from_json(data)


def test_a_refusal_names_what_weighed_most_against_the_answer() -> None:
    """The reason a clerk reads is the judge's strongest feature against the best sentence, in words; every
    worded feature is one the judge has, and the ones that decide most refusals are worded."""
    from assistant.query import Query
    from assistant.reader import reason_for
    from assistant.reader_model import DEFAULT_REASON, REASONS

    assert set(REASONS) <= set(JUDGE_FEATURES)
    assert {"margin", "slot_missing", "cov_sentence", "cov_paragraph", "placeholder"} <= set(REASONS)
    q = Query("q", "q", {}, (), (), (), (), None, (), (), (), (), ())
    for feature, reason in [("margin", REASONS["margin"]), ("length", DEFAULT_REASON)]:
        coef = np.zeros(len(JUDGE_FEATURES))
        coef[JUDGE_FEATURES.index(feature)] = 1.0
        judge = LinearModel(
            JUDGE_FEATURES, np.zeros(len(JUDGE_FEATURES)), np.ones(len(JUDGE_FEATURES)), coef, 0.0
        )
        model = ReaderModel(LinearModel.zeros(FEATURES), judge, judge, 0.5, {})
        row = np.zeros(len(JUDGE_FEATURES))
        row[JUDGE_FEATURES.index(feature)] = -2.0  # that feature, and only it, pulls the score down
        assert reason_for(model, q, row) == reason


def test_shipped_model_is_small_and_names_its_training_data() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert MODEL_FILE.stat().st_size < 50_000
    assert data["trained_on"] == ["dev.jsonl", "dev2.jsonl"]
    assert len(data["training_data_sha256"]) == 64
    assert 0.0 < data["threshold"] < 1.0


@pytest.mark.model
@pytest.mark.slow
def test_committed_model_is_what_train_reader_produces(
    use_index_dir: Path, corpus_dir: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from evals.reader_training import data_hash

    gold = [SHARED / "dev.jsonl", SHARED / "dev2.jsonl"]
    shipped = MODEL_FILE.read_text(encoding="utf-8")
    assert json.loads(shipped)["training_data_sha256"] == data_hash(gold), "gold changed: run train-reader"
    out = tmp_path / "reader.json"
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(use_index_dir), "POLICYQA_CORPUS_DIR": str(corpus_dir)}
    env.pop("PYTHONHASHSEED", None)  # the command must pin its own seed
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "evals.reader_training", "--gold", *map(str, gold), "--out", str(out)]
    subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True, timeout=1200)
    fresh = json.loads(out.read_text(encoding="utf-8"))
    fresh["trained_on"] = json.loads(shipped)["trained_on"]  # names only; the hash is compared above
    assert fresh == json.loads(shipped)


@pytest.mark.model
@pytest.mark.slow
def test_cross_validated_figures_hold(use_assistant, corpus_dir: Path) -> None:
    """The honest gate: the reader trained on four folds, measured on the fifth (docs/evals.md), over
    three redrawn splits (one split's figures move by a few points with the split alone). Bars sit a
    little under the recorded figures, so a change that makes answers worse fails here."""
    from evals.crossval import crossval

    cases = load_gold(SHARED / "dev.jsonl") + load_gold(SHARED / "dev2.jsonl")
    try:
        cv = crossval(use_assistant, cases, corpus_dir, repeats=3)
    finally:
        use_assistant.use_reader(ReaderModel.load())
    assert [r["seed"] for r in cv["repeats"]] == sorted({r["seed"] for r in cv["repeats"]})
    assert len(cv["folds"]) == 5

    def mean(metric: str) -> float:
        return sum(r[metric] for r in cv["repeats"]) / len(cv["repeats"])

    assert mean("answer_accuracy") >= 0.71  # recorded 0.725 (2026-12-01, session 8; 0.723 in session 7)
    assert mean("refusal_accuracy") >= 0.91  # 0.951 (session 9; 0.907 in session 8)
    assert mean("citation_precision") >= 0.93  # 0.957 (0.952)
    assert mean("ungrounded_numbers") == 0
    assert mean("retrieval_hit_at_5") >= 0.90 and mean("retrieval_hit_at_1") >= 0.78  # 0.938, 0.814
