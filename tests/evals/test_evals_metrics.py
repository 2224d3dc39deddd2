"""Metric maths on small hand-computed cases (definitions: ../shared/README.md)."""

from __future__ import annotations

import pytest

from evals import metrics
from evals.dataset import Span
from tests.evals.evals_fakes import citation

SRC = [Span("a.txt", 100, 110)]  # a 10-character source span


@pytest.mark.parametrize(
    ("retrieved", "expected"),
    [
        (("a.txt", 105, 200), True),  # exactly half (5 of 10) counts
        (("a.txt", 106, 200), False),  # 4 of 10 does not
        (("a.txt", 0, 105), True),  # half from the left
        (("a.txt", 50, 300), True),  # containing chunk
        (("a.txt", 102, 108), True),  # chunk inside the span, 6 of 10
        (("b.txt", 100, 110), False),  # same offsets, other file
        (("a.txt", 110, 120), False),  # adjacent, no overlap
        (("corpus/a.txt", 100, 110), True),  # a relative path names the same file
    ],
)
def test_span_overlap_rule(retrieved: tuple[str, int, int], expected: bool) -> None:
    assert metrics.span_overlaps(SRC[0], retrieved) is expected


def test_alt_sources_count_like_main() -> None:
    sources = [Span("a.txt", 100, 110), Span("c.txt", 0, 10)]
    assert metrics.overlaps_any(sources, ("c.txt", 0, 4)) is False
    assert metrics.overlaps_any(sources, ("c.txt", 0, 5)) is True


def _retrieved(hit_at: int | None, n: int = 10) -> list[tuple[str, int, int]]:
    return [("a.txt", 100, 110) if i == hit_at else ("b.txt", i * 10, i * 10 + 5) for i in range(1, n + 1)]


def test_hit_rank_and_hit_at_5_vs_rank_6() -> None:
    assert metrics.hit_rank(SRC, _retrieved(5)) == 5
    assert metrics.hit_rank(SRC, _retrieved(6)) == 6
    assert metrics.hit_rank(SRC, _retrieved(None)) is None
    assert metrics.hit_rank(SRC, _retrieved(11, n=12)) is None  # beyond the top 10
    assert metrics.retrieval_hit_at_5([5]) == 1.0
    assert metrics.retrieval_hit_at_5([6]) == 0.0
    assert metrics.retrieval_hit_at_5([1, 6, None, 5]) == 0.5


def test_mrr_ranks_1_2_none() -> None:
    assert metrics.mrr([1]) == 1.0
    assert metrics.mrr([2]) == 0.5
    assert metrics.mrr([None]) == 0.0
    assert metrics.mrr([1, 2, None]) == pytest.approx(0.5)
    assert metrics.mrr([11]) == 0.0
    assert metrics.mrr([]) is None


def test_answer_accuracy_folds_and_needs_all_strings() -> None:
    assert metrics.answer_correct("報銷比例為 ８５％ [1]", False, ["85%"])
    assert not metrics.answer_correct("报销比例为85%", True, ["85%"])  # refused never counts
    assert not metrics.answer_correct("免缴农合费用", False, ["免缴", "85%"])
    assert metrics.missing_strings("免缴农合费用", ["免缴", "85%"]) == ["85%"]
    assert metrics.answer_accuracy([True, False, True, True]) == 0.75


def test_refusal_accuracy_and_false_refusals() -> None:
    assert metrics.refusal_accuracy([True, True, False, True]) == 0.75
    assert metrics.false_refusal_rate([True, False, False, False]) == 0.25
    assert metrics.refusal_accuracy([]) is None


def test_citation_ok_by_span_or_by_containment() -> None:
    must = ["350元"]
    on_span = citation(1, "a.txt", 95, 106, text="无关文字")
    by_text = citation(2, "z.txt", 0, 50, text="村衛生室報銷額度由300元提高到 350元")
    partial_text = citation(3, "z.txt", 0, 50, text="报销额度由300元提高")
    off = citation(4, "a.txt", 106, 200, text="无关")
    assert metrics.citation_ok(on_span, SRC, must)
    assert metrics.citation_ok(by_text, SRC, must)
    assert not metrics.citation_ok(partial_text, SRC, must)
    assert not metrics.citation_ok(off, SRC, must)
    # precision over all citations: 2 of 4; recall: answers with at least one good citation
    assert metrics.citation_precision([[True, True], [False, False]]) == 0.5
    assert metrics.citation_recall([[True, False], [False], []]) == pytest.approx(1 / 3)
    assert metrics.citation_precision([[], []]) is None


def test_latency_percentiles() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 100.0]
    assert metrics.latency_p50_ms(values) == 30.0
    assert metrics.latency_p95_ms(values) == pytest.approx(88.0)
    assert metrics.latency_p50_ms([7.0]) == 7.0
    assert metrics.latency_p95_ms([]) is None


def test_ungrounded_count() -> None:
    assert metrics.ungrounded_count([["90%"], [], ["1", "2"]]) == 3
