"""Letters (`mode: "reply"` rows): loading, extra sources, and the runner asking them in reply mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer
from evals.dataset import GoldCase, load_gold, resolve_spans
from evals.runner import run_eval
from tests.evals.evals_fakes import answer, citation, hit

ROOT = Path(__file__).resolve().parents[2]
LETTERS = ROOT.parent / "shared" / "evals" / "letters.jsonl"
CORPUS = ROOT / "data" / "corpus"

TEXT = "一、培训补贴1000元。二、窗口受理，当场办结。"  # one corpus file for the fake: two answer passages


def _gold(tmp_path: Path) -> tuple[list[GoldCase], Path]:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    letter = {"id": "l1", "question": "尊敬的领导：请问培训补贴多少？怎么办理？", "mode": "reply"}
    letter |= {"type": "multi_fact", "must_include": ["1000元", "当场办结"], "source_file": "a.txt"}
    letter |= {"source_quote": "培训补贴1000元"}
    letter |= {"extra_sources": [{"source_file": "a.txt", "source_quote": "窗口受理，当场办结"}]}
    bus = {"id": "l2", "question": "尊敬的领导：请问公交站什么时候恢复？", "type": "unanswerable"}
    bus["mode"] = "reply"
    chat = {"id": "q1", "question": "培训补贴多少？", "type": "ratio", "must_include": ["1000元"]}
    chat |= {"source_file": "a.txt", "source_quote": "培训补贴1000元"}
    rows: list[dict[str, Any]] = [letter, bus, chat]
    return [GoldCase.model_validate(r) for r in rows], tmp_path


def test_letter_fields_load_and_extra_sources_resolve(tmp_path: Path) -> None:
    gold, corpus = _gold(tmp_path)
    assert [c.mode for c in gold] == ["reply", "reply", "chat"]
    spans = resolve_spans(gold[0], corpus)
    assert [TEXT[s.start : s.end] for s in spans] == ["培训补贴1000元", "窗口受理，当场办结"]


class FakeAsk:
    """A fake assistant: a cited two-part draft in reply mode, an unrelated draft for the bus letter."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, question: str, mode: str = "chat") -> Answer:
        self.calls.append((question, mode))
        if "公交" in question:  # a draft that cites nothing is a refusal, even if not flagged refused
            return answer("尊敬的来信人：经查，现有政策文件未涉及……", refused=False)
        first, second = TEXT.index("培训"), TEXT.index("窗口")
        return answer(
            "一、培训补贴1000元[1]。二、窗口受理，当场办结[2]。",
            citations=[
                citation(1, "a.txt", first, first + 10, "培训补贴1000元。"),
                citation(2, "a.txt", second, second + 9, "窗口受理，当场办结。"),
            ],
            hits=[hit("a.txt", first, first + 10), hit("a.txt", second, second + 9)],
        )


def test_reply_rows_go_through_reply_mode_and_score_every_part(tmp_path: Path) -> None:
    gold, corpus = _gold(tmp_path)
    ask = FakeAsk()
    report = run_eval(ask, gold, corpus, progress=False)
    assert [m for _, m in ask.calls] == ["reply", "reply", "chat"]
    rows = {r["id"]: r for r in report["per_question"]}
    assert rows["l1"]["mode"] == "reply" and rows["l1"]["correct"] is True
    assert [c["ok"] for c in rows["l1"]["citations"]] == [True, True]  # the extra source counts
    assert rows["l2"]["refused"] is True and rows["l2"]["correct"] is True
    assert report["refusal_accuracy"] == 1.0 and report["false_refusal_rate"] == 0.0


def test_a_one_argument_ask_still_runs_chat_rows(tmp_path: Path) -> None:
    gold, corpus = _gold(tmp_path)
    report = run_eval(lambda q: answer("培训补贴1000元"), gold[2:], corpus, progress=False)
    assert report["answer_accuracy"] == 1.0


@pytest.mark.skipif(not LETTERS.is_file(), reason="needs ../shared/evals/letters.jsonl")
def test_shared_letters_load_as_reply_rows_and_resolve() -> None:
    cases = load_gold(LETTERS)
    assert cases and all(c.mode == "reply" for c in cases)
    for case in cases:
        assert len(resolve_spans(case, CORPUS)) == len(case.sources())


def test_ungrounded_counts_the_draft_claims_not_its_date_or_quoted_letter(tmp_path: Path) -> None:
    gold, corpus = _gold(tmp_path)
    draft = (
        "尊敬的来信人：\n您好！您反映的“3个问题”问题已收悉。\n"
        "一、关于“补贴1000元还是2000元”：培训补贴1000元[1]，另补300元[1]。\n（答复单位）\n2026年1月2日"
    )
    first = TEXT.index("培训")
    cited = answer(draft, citations=[citation(1, "a.txt", first, first + 10, "培训补贴1000元。")])
    report = run_eval(lambda q, mode="chat": cited, gold[:1], corpus, progress=False)
    assert report["per_question"][0]["ungrounded"] == ["300"]
