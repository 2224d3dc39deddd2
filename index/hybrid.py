"""Dense + BM25 retrieval fused by weighted reciprocal rank.

BM25 catches exact figures and place names; dense vectors catch paraphrase.
"""

from __future__ import annotations

import numpy as np

from index.base import SearchHit
from index.embeddings import NamedEmbeddings
from index.store import LoadedIndex


class HybridSearcher:
    """Ranks chunks of one loaded index version for a normalised query."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: NamedEmbeddings,
        dense_weight: float = 1.0,
        sparse_weight: float = 1.0,
        rrf_k: int = 60,
        depth: int = 50,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.sparse_weight = sparse_weight
        self.rrf_k = rrf_k
        self.depth = depth

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        chunks = self.index.chunks
        if not chunks or not query.strip():
            return []
        depth = min(self.depth, len(chunks))
        qv = self.embedder.embed_query_vector(query)
        dense = self.index.vectors.search(qv, depth)
        sparse_scores = self.index.bm25.scores(query)
        order = np.argsort(-sparse_scores, kind="stable")[:depth]
        sparse = [(int(i), float(sparse_scores[i])) for i in order if sparse_scores[i] > 0]

        fused: dict[int, float] = {}
        dense_rank: dict[int, int] = {}
        sparse_rank: dict[int, int] = {}
        for rank, (i, _) in enumerate(dense, 1):
            dense_rank[i] = rank
            fused[i] = fused.get(i, 0.0) + self.dense_weight / (self.rrf_k + rank)
        for rank, (i, _) in enumerate(sparse, 1):
            sparse_rank[i] = rank
            fused[i] = fused.get(i, 0.0) + self.sparse_weight / (self.rrf_k + rank)
        best = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
        return [SearchHit(chunks[i], score, dense_rank.get(i), sparse_rank.get(i)) for i, score in best]

    def dense_similarity(self, query: str, texts: list[str]) -> np.ndarray:
        """Cosine similarity of the query to arbitrary texts (used to pick evidence sentences)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        qv = self.embedder.embed_query_vector(query)
        m = self.embedder.embed_matrix(texts)
        qn = qv / (np.linalg.norm(qv) or 1.0)
        norms = np.linalg.norm(m, axis=1)
        norms[norms == 0] = 1.0
        return (m @ qn) / norms
