"""The headroom report's arithmetic: what a threshold answers, refuses and gets right, and the judge's AUC."""

from __future__ import annotations

import pytest

from evals.headroom import Decision, auc, operating_points


def _decisions() -> list[Decision]:
    return [
        Decision(0.9, True, True),  # confident and right
        Decision(0.7, True, False),  # confident, wrong first sentence: answered but not right
        Decision(0.3, True, True),  # right but unsure: refused above 0.3
        Decision(0.6, False, False),  # unanswerable, looks answerable
        Decision(0.1, False, False),
    ]


def test_operating_points_count_right_answers_false_refusals_and_honest_refusals() -> None:
    points = operating_points(_decisions(), (0.2, 0.5, 0.8))
    got = [(round(p.accuracy, 3), round(p.false_refusals, 3), p.refusals) for p in points]
    assert got == [(0.667, 0.0, 0.5), (0.333, 0.333, 0.5), (0.333, 0.667, 1.0)]


def test_a_wrong_first_sentence_is_never_counted_right_at_any_threshold() -> None:
    only_wrong = [Decision(0.99, True, False), Decision(0.0, False, False)]
    assert all(p.accuracy == 0.0 for p in operating_points(only_wrong, (0.0, 0.5, 0.9)))


def test_auc_ranks_answerable_above_unanswerable_and_counts_ties_half() -> None:
    assert auc(_decisions()) == pytest.approx(5 / 6)  # 0.3 < 0.6 is the one misordered pair of six
    assert auc([Decision(0.5, True, True), Decision(0.5, False, False)]) == 0.5
    assert auc([Decision(0.5, True, True)]) != auc([Decision(0.5, True, True)])  # nan: no negatives
