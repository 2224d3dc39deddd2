"""The default retrieval on the real index must hold the bar on the dev gold set (docs/evals.md)."""

from __future__ import annotations

import pytest

from evals import metrics
from evals.dataset import Span, load_gold, resolve_spans
from ingestion import normalize_text

HIT_AT_5_BAR = 0.95
MRR_BAR = 0.85


@pytest.mark.model
@pytest.mark.slow
def test_default_retrieval_meets_the_bar(use_assistant, gold_path, corpus_dir) -> None:
    cases = [c for c in load_gold(gold_path) if c.answerable]
    ranks = []
    for case in cases:
        hits = use_assistant.searcher.search(normalize_text(case.question), 10)
        retrieved = [Span(h.chunk.source_file, h.chunk.start, h.chunk.end) for h in hits]
        ranks.append(metrics.hit_rank(resolve_spans(case, corpus_dir), retrieved, k=10))
    hit5, mrr = metrics.retrieval_hit_at_5(ranks), metrics.mrr(ranks)
    assert hit5 is not None and mrr is not None
    assert hit5 >= HIT_AT_5_BAR, f"hit@5 {hit5:.3f} < {HIT_AT_5_BAR}"
    assert mrr >= MRR_BAR, f"MRR {mrr:.3f} < {MRR_BAR}"
