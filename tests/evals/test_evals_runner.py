"""End to end: run_eval with fake `ask` functions, the report, and the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import Answer
from evals.cli import main, run_from_cli
from evals.dataset import GoldCase, load_gold, resolve_spans
from evals.report import markdown_table, summary_line, write_report
from evals.runner import run_eval
from tests.evals.evals_fakes import answer, citation, hit

ROOT = Path(__file__).resolve().parents[2]
SHARED_DEV = ROOT.parent / "shared" / "evals" / "dev.jsonl"
DEV = SHARED_DEV if SHARED_DEV.is_file() else ROOT / "tests" / "data" / "dev.jsonl"  # as tests/conftest.py
CORPUS = ROOT / "data" / "corpus"

KEYS = {
    "n", "retrieval_hit_at_5", "mrr", "answer_accuracy", "citation_precision", "citation_recall",
    "refusal_accuracy", "false_refusal_rate", "ungrounded_numbers", "latency_p50_ms", "latency_p95_ms",
    "by_type", "per_question",
}  # fmt: skip
ROW_KEYS = {"id", "type", "question", "answer", "refused", "hit_rank", "correct", "citations", "ungrounded",
            "latency_ms"}  # fmt: skip


def oracle(gold: list[GoldCase]):
    """Answers from the gold: must_include strings citing the exact source span, refusal otherwise."""
    by_question = {c.question: c for c in gold}

    def ask(question: str) -> Answer:
        case = by_question[question]
        if not case.answerable:
            return answer("抱歉，资料中没有相关信息。", refused=True)
        span = resolve_spans(case, CORPUS)[0]
        noise = [hit("other.txt", 0, 10)] * 2
        return answer(
            "；".join(case.must_include) + "[1]",
            citations=[citation(1, span.source_file, span.start, span.end, text=case.source_quote or "")],
            hits=[hit(span.source_file, span.start - 3, span.end + 3, case.source_quote or ""), *noise],
        )

    return ask


def test_oracle_scores_one_everywhere() -> None:
    gold = load_gold(DEV)
    report = run_eval(oracle(gold), gold, CORPUS, progress=False)
    assert report.keys() >= KEYS
    for key in ("retrieval_hit_at_5", "mrr", "answer_accuracy", "citation_precision", "citation_recall",
                "refusal_accuracy"):  # fmt: skip
        assert report[key] == 1.0, key
    assert report["false_refusal_rate"] == 0.0
    assert report["ungrounded_numbers"] == 0
    assert report["n"] == 78 and len(report["per_question"]) == 78
    assert report["latency_p50_ms"] is not None and report["latency_p95_ms"] >= report["latency_p50_ms"]
    row = report["per_question"][0]
    assert row.keys() >= ROW_KEYS
    assert row["hit_rank"] == 1 and row["citations"][0]["ok"] is True
    assert set(report["by_type"]) == {c.type for c in gold}
    assert report["by_type"]["ratio"]["answer_accuracy"] == 1.0
    assert report["by_type"]["unanswerable"]["answer_accuracy"] is None


def test_always_refuse() -> None:
    gold = load_gold(DEV)
    report = run_eval(lambda q: answer("无法回答", refused=True), gold, CORPUS, progress=False)
    assert report.keys() >= KEYS
    assert report["refusal_accuracy"] == 1.0
    assert report["false_refusal_rate"] == 1.0
    assert report["answer_accuracy"] == 0.0
    assert report["retrieval_hit_at_5"] == 0.0 and report["mrr"] == 0.0
    assert report["citation_precision"] is None and report["citation_recall"] is None
    assert report["ungrounded_numbers"] == 0


def test_errors_become_rows_and_report_files(tmp_path: Path) -> None:
    gold = load_gold(DEV)[:3]
    calls = iter([RuntimeError("boom"), None, None])

    def ask(question: str) -> Answer:
        exc = next(calls)
        if exc:
            raise exc
        return answer("比例为85%[1]", citations=[citation(1, "x.txt", 0, 5, text="比例为80%")])

    report = run_eval(ask, gold, CORPUS, progress=False)
    first = report["per_question"][0]
    assert first["error"] == "RuntimeError: boom" and first["correct"] is False and first["refused"] is False
    assert report["n_errors"] == 1
    assert report["per_question"][1]["ungrounded"] == ["85%"]
    out = write_report(report, tmp_path / "r" / "report.json")
    assert json.loads(out.read_text(encoding="utf-8"))["n"] == 3
    assert "比例为85%" in out.read_text(encoding="utf-8")  # ensure_ascii=False
    md = markdown_table(report)
    assert "| `retrieval_hit_at_5` |" in md and "d001" in md and "| type |" in md
    assert summary_line(report).startswith("n=3 hit@5=")


def test_cli_with_injected_ask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = load_gold(DEV)
    report = run_from_cli(DEV, tmp_path / "out.json", CORPUS, tmp_path / "evals.md", limit=5, progress=False,
                          ask=oracle(gold))  # fmt: skip
    assert report["n"] == 5 and (tmp_path / "evals.md").read_text(encoding="utf-8").startswith("Questions: 5")
    assert main(["--gold", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "x.json")]) == 2
    assert "cannot read gold file" in capsys.readouterr().err


def test_main_builds_lazily_and_prints_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import evals.cli

    monkeypatch.setattr(evals.cli, "build_ask", lambda: oracle(load_gold(DEV)))
    out = tmp_path / "report.json"
    argv = ["--gold", str(DEV), "--out", str(out), "--corpus-dir", str(CORPUS), "--no-progress"]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("n=78 hit@5=1.000 MRR=1.000 accuracy=1.000 in ")
    assert json.loads(out.read_text(encoding="utf-8"))["answer_accuracy"] == 1.0


def test_bad_quote_fails_before_the_assistant_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evals.cli

    gold = tmp_path / "gold.jsonl"
    case = {"id": "x", "question": "?", "type": "ratio", "source_file": "000_cea3e9765f7be3bd.txt",
            "source_quote": "不存在的原文"}  # fmt: skip
    gold.write_text(json.dumps(case, ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(
        evals.cli, "build_ask", lambda: pytest.fail("assistant built before gold was checked")
    )
    assert main(["--gold", str(gold), "--out", str(tmp_path / "r.json"), "--corpus-dir", str(CORPUS)]) == 2


def test_a_sample_is_fixed_by_its_seed_and_keeps_file_order(tmp_path: Path) -> None:
    """Slow backends are measured on a random subset: the same seed gives the same questions."""
    gold = load_gold(DEV)
    order = {c.id: i for i, c in enumerate(gold)}

    def ids(seed: int) -> list[str]:
        report = run_from_cli(DEV, tmp_path / "s.json", CORPUS, sample=12, seed=seed, progress=False,
                              ask=oracle(gold))  # fmt: skip
        return [row["id"] for row in report["per_question"]]

    first = ids(7)
    assert len(first) == 12 and first == ids(7) and first != ids(8)
    assert first == sorted(first, key=order.__getitem__)
