"""A question that names a place prefers chunks scoped to it (hashing embedder: no model needed)."""

from __future__ import annotations

from dataclasses import replace

from index.hashing import HashingEmbedder
from index.hybrid import HybridSearcher, RetrievalParams
from ingestion import normalize_text


def test_place_named_in_question_is_preferred(hashing_assistant) -> None:
    index = hashing_assistant.index
    q = normalize_text("湖口县参保人员异地就医报销了多少？")
    plain = HybridSearcher(index, HashingEmbedder(), params=replace(RetrievalParams(), place_boost=0.0))
    boosted = HybridSearcher(index, HashingEmbedder(), params=replace(RetrievalParams(), place_boost=1.0))
    share = lambda hits: sum("湖口县" in h.chunk.places for h in hits[:5])  # noqa: E731
    assert share(boosted.search(q, 5)) >= share(plain.search(q, 5))
    assert "湖口县" in boosted.search(q, 1)[0].chunk.places


def test_synonyms_reach_bm25(hashing_assistant) -> None:
    searcher = HybridSearcher(
        hashing_assistant.index, HashingEmbedder(), params=RetrievalParams(dense_weight=0)
    )
    hits = searcher.search(normalize_text("贫困人口大病保险门槛费降低多少"), 5)
    assert any("起付线" in h.chunk.search_text for h in hits)
