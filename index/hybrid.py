"""Dense + BM25 retrieval fused by weighted reciprocal rank, then scope boost and optional re-scoring.

BM25 catches exact figures and place names; dense vectors catch paraphrase. A question that names a
place or year prefers chunks whose scope matches, because the corpus gives different figures per county.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from index.base import SearchHit
from index.embeddings import NamedEmbeddings
from index.store import LoadedIndex
from ingestion.normalize import normalize_text, search_form
from ingestion.scope import place_stem, question_scope

# Every (n // WARM_CHUNKS)-th chunk, 1,000-1,999 of them, gives the query embedder the corpus's common tokens.
WARM_CHUNKS = 1000


@dataclass(frozen=True)
class RetrievalParams:
    """The knobs the ablation compares; defaults are the winning row of docs/evals.md."""

    dense_weight: float = 1.0
    sparse_weight: float = 20.0  # BM25 leads; USE re-orders near ties and rescues pure paraphrase
    rrf_k: int = 60
    depth: int = 50
    synonyms: bool = True  # fold numbers and synonyms on the BM25 side
    place_boost: float = 0.25  # relative score bonus when the chunk's places match the question's
    year_boost: float = 0.25
    rerank_depth: int = 20  # candidates re-scored by the second-stage model, when one is given
    rerank_weight: float = 0.0  # share of the final score taken by the second-stage cosine rank


class Reranker:
    """Second stage: a stronger embedder's cosine over precomputed chunk vectors (query embedding only)."""

    def __init__(self, embedder: NamedEmbeddings, chunk_vectors: np.ndarray) -> None:
        self.embedder = embedder
        norms = np.linalg.norm(chunk_vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.vectors = chunk_vectors / norms

    def scores(self, query: str, rows: list[int]) -> np.ndarray:
        qv = self.embedder.embed_query_vector(query)
        qv = qv / (np.linalg.norm(qv) or 1.0)
        return self.vectors[rows] @ qv


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """Rows of the `depth` highest scores, ties in row order: exactly `argsort(-scores, stable)[:depth]`,
    but O(n) (a partition, then sorting only the candidates), since at 1M chunks the full sort of
    every BM25 score was ~50 ms of each question (docs/benchmarks.md, Full pipeline at scale)."""
    n = len(scores)
    if depth <= 0:
        return np.zeros(0, dtype=np.intp)
    if depth >= n:
        return np.argsort(-scores, kind="stable")[:depth]
    kth = np.partition(scores, n - depth)[n - depth]  # the depth-th largest score
    candidates = np.flatnonzero(scores >= kth)  # ascending rows: the stable sort keeps ties in row order
    return candidates[np.argsort(-scores[candidates], kind="stable")][:depth]


class PlaceMatcher:
    """The index's places a question names: same answer as `ingestion.scope.question_scope`, found by
    looking up the question's substrings, so the cost follows the question's length rather than the
    number of places the index knows (tens of thousands in a large corpus)."""

    def __init__(self, places: Iterable[str]) -> None:
        self._by_key: dict[str, set[str]] = {}
        for name in places:
            self._by_key.setdefault(name, set()).add(name)
            if stem := place_stem(name):  # the same rule as question_scope's
                self._by_key.setdefault(stem, set()).add(name)
        self._lengths = sorted({len(k) for k in self._by_key if k})

    def __call__(self, question: str) -> tuple[set[str], set[int]]:
        q = normalize_text(question)
        found: set[str] = set()
        for n in self._lengths:
            for i in range(len(q) - n + 1):
                names = self._by_key.get(q[i : i + n])
                if names:
                    found |= names
        return found, question_scope(q, ())[1]


class HybridSearcher:
    """Ranks chunks of one loaded index version for a normalised query."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: NamedEmbeddings,
        dense_weight: float | None = None,
        sparse_weight: float | None = None,
        rrf_k: int | None = None,
        depth: int | None = None,
        params: RetrievalParams | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        overrides = {
            "dense_weight": dense_weight,
            "sparse_weight": sparse_weight,
            "rrf_k": rrf_k,
            "depth": depth,
        }
        p = replace(params or RetrievalParams(), **{k: v for k, v in overrides.items() if v is not None})
        self.params = p
        self.index = index
        self.embedder = embedder
        self.reranker = reranker
        self.query_vector = lru_cache(maxsize=64)(self._query_vector)
        self.dense_weight, self.sparse_weight, self.rrf_k, self.depth = (
            p.dense_weight,
            p.sparse_weight,
            p.rrf_k,
            p.depth,
        )
        self._scope = PlaceMatcher(sorted({pl for c in index.chunks for pl in c.places}))
        warm = getattr(embedder, "warm_vocabulary", None)
        if warm is not None and index.chunks:  # an embedder that can prepare for this corpus's questions
            step = max(1, len(index.chunks) // WARM_CHUNKS)
            warm([c.text for c in index.chunks[::step]])

    def _fuse(self, query: str, depth: int) -> tuple[dict[int, float], dict[int, int], dict[int, int]]:
        dense: list[tuple[int, float]] = []
        if self.dense_weight > 0:
            dense = self.index.vectors.search(self.query_vector(query), depth)
        lexical = search_form(query, synonyms=self.params.synonyms)
        sparse_scores = self.index.bm25.scores(lexical)
        order = top_rows(sparse_scores, depth)
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
        return fused, dense_rank, sparse_rank

    def _boost_scope(self, query: str, fused: dict[int, float]) -> None:
        p = self.params
        if not (p.place_boost or p.year_boost):
            return
        places, years = self._scope(query)
        if not places and not years:
            return
        chunks = self.index.chunks
        for i in fused:
            c = chunks[i]
            bonus = p.place_boost if places and places.intersection(c.places) else 0.0
            bonus += p.year_boost if years and years.intersection(c.years) else 0.0
            fused[i] *= 1.0 + bonus

    def _rerank(self, query: str, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Blend first-stage rank with the stronger model's rank over the top candidates (RRF-style)."""
        p = self.params
        if self.reranker is None or p.rerank_weight <= 0 or not ranked:
            return ranked
        head, tail = ranked[: p.rerank_depth], ranked[p.rerank_depth :]
        sims = self.reranker.scores(query, [i for i, _ in head])
        second = {head[j][0]: r for r, j in enumerate(np.argsort(-sims, kind="stable"), 1)}
        w = p.rerank_weight
        rescored = [
            (i, (1 - w) / (self.rrf_k + first) + w / (self.rrf_k + second[i]))
            for first, (i, _) in enumerate(head, 1)
        ]
        rescored.sort(key=lambda kv: -kv[1])
        floor = min(s for _, s in rescored)
        return rescored + [(i, min(s, floor)) for i, s in tail]

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        chunks = self.index.chunks
        if not chunks or not query.strip():
            return []
        fused, dense_rank, sparse_rank = self._fuse(query, min(self.depth, len(chunks)))
        self._boost_scope(query, fused)
        ranked = self._rerank(query, sorted(fused.items(), key=lambda kv: -kv[1]))
        return [SearchHit(chunks[i], score, dense_rank.get(i), sparse_rank.get(i)) for i, score in ranked[:k]]

    def _query_vector(self, query: str) -> np.ndarray:
        """The unit query embedding (cached in __init__: search and evidence both need it)."""
        qv = np.asarray(self.embedder.embed_query_vector(query), dtype=np.float32)
        return qv / (np.linalg.norm(qv) or 1.0)

    def dense_similarity(self, query: str, texts: list[str]) -> np.ndarray:
        """Cosine similarity of the query to arbitrary texts (sentences the index holds no vector for)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        m = self.embedder.embed_matrix(texts)
        norms = np.linalg.norm(m, axis=1)
        norms[norms == 0] = 1.0
        return (m @ self.query_vector(query)) / norms

    def sentence_similarity(self, query: str, keys: list[tuple[str, str]], texts: list[str]) -> np.ndarray:
        """Cosine of the query to corpus sentences: stored vectors where the index has them (ingest
        time), the embedder only for the rest."""
        sims = np.zeros(len(keys), dtype=np.float32)
        store = self.index.sentences
        rows = store.rows_of(keys) if store is not None else np.full(len(keys), -1)
        known = np.flatnonzero(rows >= 0)
        if len(known):
            assert store is not None
            sims[known] = store.matrix[rows[known]] @ self.query_vector(query)
        missing = np.flatnonzero(rows < 0).tolist()
        if missing:
            sims[missing] = self.dense_similarity(query, [texts[i] for i in missing])
        return sims
