"""The metrics defined in the shared README, as pure functions over spans, flags and per-question rows.

Rates whose denominator is empty (e.g. `citation_precision` when no answer cites anything) are
`None`, not 0: "not measurable" must not read as "all wrong".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any, Protocol

from evals.dataset import Span
from evals.folding import fold


class _HasSpanAndText(Protocol):
    source_file: str
    start: int
    end: int
    text: str


def same_file(a: str, b: str) -> bool:
    """Corpus file names are unique hashes, so a relative path and a bare name may be compared by name."""
    return a == b or PurePath(a).name == PurePath(b).name


def span_overlaps(source: Span | tuple[str, int, int], retrieved: Span | tuple[str, int, int]) -> bool:
    """True when `retrieved` covers at least half of `source` (same file); exactly half counts."""
    s_file, s_start, s_end = source
    r_file, r_start, r_end = retrieved
    if not same_file(s_file, r_file):
        return False
    overlap = min(s_end, r_end) - max(s_start, r_start)
    if s_end <= s_start:  # degenerate source span: any covering span counts
        return r_start <= s_start <= r_end
    return overlap > 0 and 2 * overlap >= s_end - s_start


def overlaps_any(sources: Sequence[Span], retrieved: Span | tuple[str, int, int]) -> bool:
    """A hit on the main source or any alternative counts the same."""
    return any(span_overlaps(src, retrieved) for src in sources)


def hit_rank(
    sources: Sequence[Span], retrieved: Sequence[Span | tuple[str, int, int]], k: int = 10
) -> int | None:
    """1-based rank of the first of the top `k` retrieved spans that hits a source span, else None."""
    for rank, span in enumerate(retrieved[:k], start=1):
        if overlaps_any(sources, span):
            return rank
    return None


def _rate(flags: Iterable[bool]) -> float | None:
    values = list(flags)
    return sum(values) / len(values) if values else None


def retrieval_hit_at_1(ranks: Sequence[int | None]) -> float | None:
    """Share of answerable questions whose first retrieved paragraph or chunk is a source hit."""
    return _rate(r == 1 for r in ranks)


def retrieval_hit_at_5(ranks: Sequence[int | None]) -> float | None:
    """Share of answerable questions with a hit within the top 5."""
    return _rate(r is not None and r <= 5 for r in ranks)


def mrr(ranks: Sequence[int | None], k: int = 10) -> float | None:
    """Mean of 1/rank of the first hit within the top `k` (0 when none)."""
    if not ranks:
        return None
    return sum(1.0 / r if r is not None and r <= k else 0.0 for r in ranks) / len(ranks)


def contains_all(text: str, must_include: Sequence[str]) -> bool:
    """Every required string occurs in `text`, both sides folded."""
    folded = fold(text)
    return all(fold(m) in folded for m in must_include)


def missing_strings(text: str, must_include: Sequence[str]) -> list[str]:
    """The required strings that `text` lacks (for the per-question report)."""
    folded = fold(text)
    return [m for m in must_include if fold(m) not in folded]


def answer_correct(text: str, refused: bool, must_include: Sequence[str]) -> bool:
    """An answerable question is answered correctly when not refused and every `must_include` is there."""
    return not refused and contains_all(text, must_include)


def answer_accuracy(correct: Sequence[bool]) -> float | None:
    """Share of answerable questions answered correctly."""
    return _rate(correct)


def citation_ok(citation: _HasSpanAndText, sources: Sequence[Span], must_include: Sequence[str]) -> bool:
    """A citation is right if its paragraph overlaps a source span or its text holds every must_include."""
    span = Span(citation.source_file, citation.start, citation.end)
    return overlaps_any(sources, span) or contains_all(citation.text, must_include)


def citation_precision(oks_per_answer: Sequence[Sequence[bool]]) -> float | None:
    """Share of right citations over all citations of answers to answerable questions."""
    return _rate(ok for oks in oks_per_answer for ok in oks)


def citation_recall(oks_per_answered: Sequence[Sequence[bool]]) -> float | None:
    """Share of answered answerable questions with at least one right citation."""
    return _rate(any(oks) for oks in oks_per_answered)


def refusal_accuracy(refused_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions refused."""
    return _rate(refused_unanswerable)


def false_refusal_rate(refused_answerable: Sequence[bool]) -> float | None:
    """Share of answerable questions refused."""
    return _rate(refused_answerable)


def ungrounded_count(ungrounded_per_answer: Sequence[Sequence[str]]) -> int:
    """Count of answer numbers absent from that answer's cited paragraphs, over all answers."""
    return sum(len(u) for u in ungrounded_per_answer)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolation percentile (numpy's default method); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_p50_ms(latencies_ms: Sequence[float]) -> float | None:
    """Median wall time per question."""
    return percentile(latencies_ms, 50)


def latency_p95_ms(latencies_ms: Sequence[float]) -> float | None:
    """95th-percentile wall time per question."""
    return percentile(latencies_ms, 95)


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate per-question rows (as built by the runner) into the README metrics."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if not r["refused"]]
    ranks = [r["hit_rank"] for r in answerable]
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "n_errors": sum(1 for r in rows if r.get("error")),
        "retrieval_hit_at_1": retrieval_hit_at_1(ranks),
        "retrieval_hit_at_5": retrieval_hit_at_5(ranks),
        "mrr": mrr(ranks),
        "answer_accuracy": answer_accuracy([r["correct"] for r in answerable]),
        "citation_precision": citation_precision([[c["ok"] for c in r["citations"]] for r in answerable]),
        "citation_recall": citation_recall([[c["ok"] for c in r["citations"]] for r in answered]),
        "refusal_accuracy": refusal_accuracy([r["refused"] for r in unanswerable]),
        "false_refusal_rate": false_refusal_rate([r["refused"] for r in answerable]),
        "ungrounded_numbers": ungrounded_count([r["ungrounded"] for r in rows]),
        "latency_p50_ms": latency_p50_ms([r["latency_ms"] for r in rows]),
        "latency_p95_ms": latency_p95_ms([r["latency_ms"] for r in rows]),
    }


def by_type(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """answer_accuracy / hit@5 / MRR per question type; refusal share too (the metric for `unanswerable`)."""
    out: dict[str, dict[str, Any]] = {}
    for qtype in sorted({r["type"] for r in rows}):
        group = [r for r in rows if r["type"] == qtype]
        answerable = [r for r in group if r["answerable"]]
        ranks = [r["hit_rank"] for r in answerable]
        out[qtype] = {
            "n": len(group),
            "answer_accuracy": answer_accuracy([r["correct"] for r in answerable]),
            "retrieval_hit_at_5": retrieval_hit_at_5(ranks),
            "mrr": mrr(ranks),
            "refused": _rate(r["refused"] for r in group),
        }
    return out
